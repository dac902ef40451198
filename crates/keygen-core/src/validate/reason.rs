//! The catalogue of refusal reasons and the [`Rejection`] error they travel in.

use core::fmt;

/// Declares [`Reason`] from one table, so that the variant, its stable name,
/// its code, its field, its default accepted-values text and the rustdoc
/// catalogue can never drift apart.
macro_rules! reasons {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $code:literal, $name:literal, $field:literal, $accepted:literal;
    )*) => {
        /// Why a field of the create request was refused.
        ///
        /// Names and codes are stable: the service puts [`Reason::code`] in
        /// the error body's `code` and clients may match on either. Codes
        /// 1000–1099 concern `name`, `description` and `tags`; 1100–1199
        /// concern `publicKey` (1100–1119 the line and its blob, 1120–1139
        /// RSA, 1140–1159 ECDSA and Ed25519, 1160–1179 FIDO and blocklist).
        /// New reasons get new codes; a code is never reused.
        ///
        /// | code | name | field | meaning |
        /// |-----:|------|-------|---------|
        $(
            #[doc = concat!("| ", stringify!($code), " | `", $name, "` | `", $field, "` | ", $($doc,)* " |")]
        )*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Reason {
            $(
                $(#[doc = $doc])*
                $variant,
            )*
        }

        impl Reason {
            /// Every reason, in code order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            /// The stable snake_case name of this reason.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Reason::$variant => $name,)*
                }
            }

            /// The stable integer code of this reason (see the table above).
            #[must_use]
            pub const fn code(self) -> u16 {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }

            /// The request field this reason concerns, as the API spells it.
            #[must_use]
            pub const fn field(self) -> &'static str {
                match self {
                    $(Reason::$variant => $field,)*
                }
            }

            /// The default text of the accepted values for this reason.
            #[must_use]
            pub const fn accepted(self) -> &'static str {
                match self {
                    $(Reason::$variant => $accepted,)*
                }
            }

            /// The reason with this stable name, if any.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Reason> {
                Self::ALL.iter().copied().find(|r| r.name() == name)
            }
        }
    };
}

reasons! {
    /// `name` is absent or empty.
    NameEmpty = 1000, "name_empty", "name", "1 to 40 characters, each an ascii letter (A-Z, a-z), a digit (0-9) or a hyphen (-)";
    /// `name` is longer than [`Name::MAX_LEN`](crate::Name::MAX_LEN) characters.
    NameTooLong = 1001, "name_too_long", "name", "1 to 40 characters, each an ascii letter (A-Z, a-z), a digit (0-9) or a hyphen (-)";
    /// `name` holds a character outside `[A-Za-z0-9-]`.
    NameInvalidCharacter = 1002, "name_invalid_character", "name", "1 to 40 characters, each an ascii letter (A-Z, a-z), a digit (0-9) or a hyphen (-)";
    /// `description` is longer than [`Description::MAX_LEN`](crate::Description::MAX_LEN) characters.
    DescriptionTooLong = 1010, "description_too_long", "description", "at most 255 characters, no control characters";
    /// `description` holds a control character.
    DescriptionControlCharacter = 1011, "description_control_character", "description", "at most 255 characters, no control characters";
    /// More than [`Tags::MAX_COUNT`](crate::Tags::MAX_COUNT) tags.
    TagsTooMany = 1020, "tags_too_many", "tags", "at most 50 tags; keys of 1 to 128 characters, values of at most 256 characters, no control characters";
    /// A tag key is empty.
    TagsKeyEmpty = 1021, "tags_key_empty", "tags", "at most 50 tags; keys of 1 to 128 characters, values of at most 256 characters, no control characters";
    /// A tag key is longer than [`Tags::MAX_KEY_LEN`](crate::Tags::MAX_KEY_LEN) characters.
    TagsKeyTooLong = 1022, "tags_key_too_long", "tags", "at most 50 tags; keys of 1 to 128 characters, values of at most 256 characters, no control characters";
    /// A tag value is longer than [`Tags::MAX_VALUE_LEN`](crate::Tags::MAX_VALUE_LEN) characters.
    TagsValueTooLong = 1023, "tags_value_too_long", "tags", "at most 50 tags; keys of 1 to 128 characters, values of at most 256 characters, no control characters";
    /// A tag key or value holds a control character.
    TagsControlCharacter = 1024, "tags_control_character", "tags", "at most 50 tags; keys of 1 to 128 characters, values of at most 256 characters, no control characters";
    /// The same tag key appears twice.
    TagsDuplicateKey = 1025, "tags_duplicate_key", "tags", "at most 50 tags with distinct keys";
    /// The normalised line is shorter than [`PublicKeyLine::MIN_LEN`](crate::PublicKeyLine::MIN_LEN) characters.
    PublicKeyTooShort = 1100, "public_key_too_short", "publicKey", "an openssh public key line of 512 to 2000 characters";
    /// The line is longer than [`PublicKeyLine::MAX_LEN`](crate::PublicKeyLine::MAX_LEN) characters.
    PublicKeyTooLong = 1101, "public_key_too_long", "publicKey", "an openssh public key line of 512 to 2000 characters";
    /// A CR or LF inside the line (a second key smuggled on a new line).
    PublicKeyMultipleLines = 1102, "public_key_multiple_lines", "publicKey", "exactly one line: type, base64 key data and an optional comment";
    /// A NUL or another character that is not printable.
    PublicKeyControlCharacter = 1103, "public_key_control_character", "publicKey", "printable characters only, fields separated by spaces or tabs";
    /// The line starts with authorized_keys options (`command="…"`, `restrict`, `from=…`).
    PublicKeyOptionsPrefix = 1104, "public_key_options_prefix", "publicKey", "a key line without authorized_keys options: type, base64 key data and an optional comment";
    /// An OpenSSH certificate (`*-cert-v01@openssh.com`) instead of a plain key.
    PublicKeyCertificate = 1105, "public_key_certificate", "publicKey", "a plain public key, not a certificate: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com";
    /// An `ssh-dss` (DSA) key, deprecated and disabled by OpenSSH.
    PublicKeyDsa = 1106, "public_key_dsa", "publicKey", "ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com";
    /// A signature algorithm name (`rsa-sha2-256`, `rsa-sha2-512`) used as a key type.
    PublicKeySignatureAlgorithm = 1107, "public_key_signature_algorithm", "publicKey", "the key type ssh-rsa (rsa-sha2-256 and rsa-sha2-512 name signature algorithms, not key types)";
    /// A key type this service does not accept.
    PublicKeyUnknownType = 1108, "public_key_unknown_type", "publicKey", "ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com";
    /// The type is not followed by base64 key data.
    PublicKeyMissingData = 1109, "public_key_missing_data", "publicKey", "type, base64 key data and an optional comment, separated by spaces or tabs";
    /// The key data is not strict, canonical, padded standard base64.
    PublicKeyBase64 = 1110, "public_key_base64", "publicKey", "standard base64 (A-Z, a-z, 0-9, +, /) with = padding and no stray bits";
    /// The key blob ends inside a field.
    PublicKeyBlobTruncated = 1111, "public_key_blob_truncated", "publicKey", "a complete rfc 4253 public key blob";
    /// Bytes are left over after the last field of the key blob.
    PublicKeyBlobTrailingData = 1112, "public_key_blob_trailing_data", "publicKey", "an rfc 4253 public key blob with nothing after its last field";
    /// The type inside the blob differs from the type before it.
    PublicKeyTypeMismatch = 1113, "public_key_type_mismatch", "publicKey", "a key blob whose inner type equals the type of the line";
    /// An mpint of the blob is negative.
    PublicKeyMpintNegative = 1114, "public_key_mpint_negative", "publicKey", "non-negative mpints (rfc 4251 section 5)";
    /// An mpint of the blob has an unnecessary leading zero byte.
    PublicKeyMpintNotMinimal = 1115, "public_key_mpint_not_minimal", "publicKey", "minimal mpints without unnecessary leading zero bytes (rfc 4251 section 5)";
    /// The RSA modulus has fewer bits than the configured floor.
    RsaModulusTooSmall = 1120, "rsa_modulus_too_small", "publicKey", "an rsa modulus of 2048 to 16384 bits";
    /// The RSA modulus has more than [`PublicKeyLine::MAX_RSA_BITS`](crate::PublicKeyLine::MAX_RSA_BITS) bits.
    RsaModulusTooLarge = 1121, "rsa_modulus_too_large", "publicKey", "an rsa modulus of 2048 to 16384 bits";
    /// The RSA modulus is even.
    RsaModulusEven = 1122, "rsa_modulus_even", "publicKey", "an odd rsa modulus";
    /// The RSA public exponent is below 3.
    RsaExponentTooSmall = 1123, "rsa_exponent_too_small", "publicKey", "an odd rsa public exponent e with 3 <= e < n and at most 32 bits (65537 recommended)";
    /// The RSA public exponent is even.
    RsaExponentEven = 1124, "rsa_exponent_even", "publicKey", "an odd rsa public exponent e with 3 <= e < n and at most 32 bits (65537 recommended)";
    /// The RSA public exponent is too large (more bits than allowed, or not below n).
    RsaExponentTooLarge = 1125, "rsa_exponent_too_large", "publicKey", "an odd rsa public exponent e with 3 <= e < n and at most 32 bits (65537 recommended)";
    /// The RSA modulus has a prime factor of at most 65537.
    RsaSmallPrimeFactor = 1126, "rsa_small_prime_factor", "publicKey", "an rsa modulus without prime factors up to 65537";
    /// The RSA modulus is a perfect square.
    RsaSquareModulus = 1127, "rsa_square_modulus", "publicKey", "an rsa modulus that is the product of two distinct primes";
    /// The RSA primes are so close that Fermat's method factors the modulus.
    RsaFermatFactorable = 1128, "rsa_fermat_factorable", "publicKey", "an rsa modulus whose primes are not close to each other";
    /// The RSA modulus has the structure of Infineon's vulnerable generator (ROCA, CVE-2017-15361).
    RsaRoca = 1129, "rsa_roca", "publicKey", "an rsa key not generated by an infineon chip affected by roca (cve-2017-15361)";
    /// The RSA private exponent is small enough for Wiener's attack.
    RsaSmallPrivateExponent = 1130, "rsa_small_private_exponent", "publicKey", "an rsa key whose private exponent is not small (wiener's attack)";
    /// The RSA modulus is sparse (under 40 % one bits, in the whole and in its lower half), as the "nautilus" and "completeftp" generators make it: polynomial methods factor it (badkeys' `rsapoly`).
    RsaSparseModulus = 1131, "rsa_sparse_modulus", "publicKey", "an rsa modulus with about as many one bits as zero bits (at least 40 % one bits in the whole or in its lower half)";
    /// The RSA modulus carries the command header of the xz/liblzma backdoor (CVE-2024-3094).
    RsaXzBackdoor = 1132, "rsa_xz_backdoor", "publicKey", "an rsa modulus without the command header of the xz/liblzma backdoor (cve-2024-3094) in its first 16 bytes";
    /// The RSA modulus has a prime factor known to be shared by keys found in the wild (badkeys' lists).
    RsaKnownSharedPrime = 1133, "rsa_known_shared_prime", "publicKey", "an rsa modulus without a prime factor known to be shared with other keys (badkeys' lists of 2048 and 4096-bit keys)";
    /// The RSA modulus is itself prime (Baillie–PSW), so `d` follows from `e` and `n`.
    RsaModulusPrime = 1134, "rsa_modulus_prime", "publicKey", "a composite rsa modulus, the product of two primes";
    /// The ECDSA curve name in the blob does not match the key type.
    EcdsaCurveMismatch = 1140, "ecdsa_curve_mismatch", "publicKey", "a curve name matching the key type: nistp256, nistp384 or nistp521 (rfc 5656)";
    /// The ECDSA point is not in uncompressed form (0x04 prefix, both coordinates).
    EcdsaPointEncoding = 1141, "ecdsa_point_encoding", "publicKey", "an uncompressed sec1 point: 0x04 followed by both coordinates (rfc 5656 section 3.1)";
    /// The ECDSA point is the point at infinity.
    EcdsaPointAtInfinity = 1142, "ecdsa_point_at_infinity", "publicKey", "a point on the curve other than the point at infinity";
    /// An ECDSA coordinate is not below the field prime.
    EcdsaCoordinateOutOfRange = 1143, "ecdsa_coordinate_out_of_range", "publicKey", "coordinates below the field prime, below the group order minus one, and longer than half the order's bits (openssh's sshkey_ec_validate_public)";
    /// The ECDSA point is not on the curve.
    EcdsaPointNotOnCurve = 1144, "ecdsa_point_not_on_curve", "publicKey", "a point on the named curve";
    /// The Ed25519 key is not exactly 32 bytes.
    Ed25519KeyLength = 1150, "ed25519_key_length", "publicKey", "a 32-byte ed25519 public key (rfc 8709)";
    /// The 32 bytes do not encode a point of edwards25519 canonically.
    Ed25519PointInvalid = 1151, "ed25519_point_invalid", "publicKey", "a canonical encoding of an edwards25519 point (rfc 8032 section 5.1.3)";
    /// The Ed25519 point has small order (a torsion point).
    Ed25519SmallOrder = 1152, "ed25519_small_order", "publicKey", "an ed25519 point of large order, not one of the 8 small-order points";
    /// A FIDO key's application does not start with `ssh:`, or holds a NUL.
    SkApplication = 1160, "sk_application", "publicKey", "a fido application string starting with \"ssh:\", without nul bytes (openssh protocol.u2f)";
    /// The key is on a list of known-compromised keys.
    PublicKeyBlocklisted = 1170, "public_key_blocklisted", "publicKey", "a key whose private half has not been published (not a vagrant or other well-known insecure key)";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A refused field of the create request.
///
/// Carries the [`Reason`] (with its stable name and code), the field as the
/// API spells it, a lowercase message naming the field and the rule, and the
/// accepted values. `Display` prints the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    reason: Reason,
    message: String,
    accepted: String,
}

impl Rejection {
    /// A rejection with the reason's default accepted-values text.
    pub(crate) fn new(reason: Reason, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
            accepted: reason.accepted().to_owned(),
        }
    }

    /// A rejection whose accepted values depend on configuration.
    pub(crate) fn with_accepted(
        reason: Reason,
        message: impl Into<String>,
        accepted: impl Into<String>,
    ) -> Self {
        Self {
            reason,
            message: message.into(),
            accepted: accepted.into(),
        }
    }

    /// Why the field was refused.
    #[must_use]
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The stable snake_case name of the reason.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.reason.name()
    }

    /// The stable integer code of the reason.
    #[must_use]
    pub fn code(&self) -> u16 {
        self.reason.code()
    }

    /// The refused field, as the API spells it: `name`, `description`,
    /// `tags` or `publicKey`.
    #[must_use]
    pub fn field(&self) -> &'static str {
        self.reason.field()
    }

    /// What went wrong: lowercase, no trailing period, naming the field and
    /// the rule.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The accepted values, as text.
    #[must_use]
    pub fn accepted(&self) -> &str {
        &self.accepted
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}

/// Shows one character of the input in a message without letting it act on
/// a terminal or a log: printable characters as themselves, others escaped.
pub(crate) fn show_char(c: char) -> String {
    if c.is_control() || is_invisible(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

/// Format and separator characters that render as nothing or reorder text:
/// refused like control characters because they can disguise what a user or
/// an operator reads (bidirectional overrides, CVE-2021-42574).
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Shows a short, printable ASCII token in a message; longer or stranger
/// input is not echoed.
pub(crate) fn show_token(token: &str) -> String {
    if token.len() <= 48 && token.bytes().all(|b| b.is_ascii_graphic()) {
        format!("{token:?}")
    } else {
        "(not shown)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_unique_and_snake_case() {
        let mut names = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for r in Reason::ALL {
            assert!(names.insert(r.name()), "duplicate name {}", r.name());
            assert!(codes.insert(r.code()), "duplicate code {}", r.code());
            assert!(
                r.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
            assert_eq!(Reason::from_name(r.name()), Some(*r));
            let range = match r.field() {
                "name" | "description" | "tags" => 1000..1100,
                "publicKey" => 1100..1200,
                other => panic!("unknown field {other}"),
            };
            assert!(range.contains(&r.code()), "{} out of range", r.name());
            assert!(!r.accepted().is_empty());
        }
    }

    #[test]
    fn accepted_texts_match_the_limits() {
        for r in [
            Reason::NameEmpty,
            Reason::NameTooLong,
            Reason::NameInvalidCharacter,
        ] {
            assert!(r.accepted().contains(&crate::Name::MAX_LEN.to_string()));
        }
        assert!(
            Reason::DescriptionTooLong
                .accepted()
                .contains(&crate::Description::MAX_LEN.to_string())
        );
        let tags = Reason::TagsTooMany.accepted();
        for n in [
            crate::Tags::MAX_COUNT,
            crate::Tags::MAX_KEY_LEN,
            crate::Tags::MAX_VALUE_LEN,
        ] {
            assert!(tags.contains(&n.to_string()));
        }
        let pk = Reason::PublicKeyTooShort.accepted();
        assert!(pk.contains(&crate::PublicKeyLine::MIN_LEN.to_string()));
        assert!(pk.contains(&crate::PublicKeyLine::MAX_LEN.to_string()));
    }
}
