//! The `publicKey` validator: an OpenSSH public key line as a user pastes it.

use core::fmt;
use core::str::FromStr;

use base64ct::{Base64, Encoding};

use super::blob::{Fields, read_fields};
use super::blocklist::Blocklist;
use super::curves::{self, Curve};
use super::ed25519;
use super::key_type::{KeyType, looks_like_key_type};
use super::reason::{Reason, Rejection, is_invisible, show_char, show_token};
use super::rsa;
use super::warning::KeyWarning;

/// Options of [`PublicKeyLine::with_options`]. The default,
/// [`PublicKeyOptions::api`], is the API's policy.
#[derive(Debug, Clone, Copy)]
pub struct PublicKeyOptions<'a> {
    /// The fewest characters of the normalised line; 0 for none.
    min_length: usize,
    max_length: usize,
    min_rsa_bits: u32,
    max_rsa_exponent_bits: u32,
    blocklist: Option<&'a Blocklist>,
    /// Whether an RSA modulus is tested for being prime.
    prime_modulus: bool,
    /// Only the structure (for [`PublicKeyLine::parse_unchecked`]): no
    /// length bounds, no key policy, no blocklist.
    structure_only: bool,
}

impl Default for PublicKeyOptions<'_> {
    fn default() -> Self {
        Self::api()
    }
}

impl<'a> PublicKeyOptions<'a> {
    /// The API's policy: the 512–2000 character bounds, RSA of at least 2048
    /// bits with an exponent of at most 32 bits, the built-in blocklist.
    #[must_use]
    pub const fn api() -> Self {
        Self {
            min_length: PublicKeyLine::MIN_LEN,
            max_length: PublicKeyLine::MAX_LEN,
            min_rsa_bits: rsa::MIN_BITS,
            max_rsa_exponent_bits: rsa::MAX_EXPONENT_BITS,
            blocklist: None,
            prime_modulus: false,
            structure_only: false,
        }
    }

    /// Drops the 512-character minimum (the 2000-character maximum stays),
    /// so short keys such as an Ed25519 key without a long comment pass: for
    /// `keygen check-public-key` and tests. The same as
    /// `with_min_length(0)`.
    #[must_use]
    pub const fn without_min_length(self) -> Self {
        self.with_min_length(0)
    }

    /// Sets the fewest characters of the normalised line, instead of the
    /// contract's [`PublicKeyLine::MIN_LEN`] (512); 0 drops the minimum. A
    /// minimum above the maximum (2000, or
    /// [`PublicKeyLine::UNBOUNDED_MAX_LEN`] without length bounds) refuses
    /// every line.
    ///
    /// The contract's 512 is met by RSA keys of 3072 bits or more without a
    /// comment; Ed25519, ECDSA and RSA-2048 lines need a comment that pads
    /// them. An operator who imports such keys as they are may lower it.
    #[must_use]
    pub const fn with_min_length(mut self, chars: usize) -> Self {
        self.min_length = chars;
        self
    }

    /// Drops both bounds of the contract: no minimum, and a maximum of
    /// [`PublicKeyLine::UNBOUNDED_MAX_LEN`] characters, enough for RSA-16384
    /// (which the contract's 2000 characters cannot hold). For checking keys
    /// outside the API, such as with `keygen check-public-key`.
    #[must_use]
    pub const fn without_length_bounds(mut self) -> Self {
        self.min_length = 0;
        self.max_length = PublicKeyLine::UNBOUNDED_MAX_LEN;
        self
    }

    /// Sets the floor of the RSA modulus size in bits, at least 1024 (the
    /// floor of OpenSSH) and at most 16384. The default is 2048.
    #[must_use]
    pub const fn min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = if bits < 1024 {
            1024
        } else if bits > rsa::MAX_BITS {
            rsa::MAX_BITS
        } else {
            bits
        };
        self
    }

    /// Sets the largest RSA public exponent in bits, from 2 to 16384. The
    /// default is 32. Above 32 bits, Wiener's small-private-exponent check
    /// runs too.
    #[must_use]
    pub const fn max_rsa_exponent_bits(mut self, bits: u32) -> Self {
        self.max_rsa_exponent_bits = if bits < 2 {
            2
        } else if bits > rsa::MAX_BITS {
            rsa::MAX_BITS
        } else {
            bits
        };
        self
    }

    /// Also refuses an RSA modulus that is itself prime (Baillie–PSW), for
    /// then anyone computes the private exponent as `e⁻¹ mod (n − 1)`. Off
    /// in [`PublicKeyOptions::api`]: for a composite modulus the test costs
    /// one exponentiation modulo `n` (milliseconds for RSA-4096, a hundred
    /// times every other check together), which would let each import
    /// request cost that much CPU. `keygen check-public-key` turns it on.
    #[must_use]
    pub const fn prime_modulus_check(mut self, on: bool) -> Self {
        self.prime_modulus = on;
        self
    }

    /// Adds an operator's blocklist, checked after the built-in one.
    #[must_use]
    pub const fn blocklist(mut self, list: &'a Blocklist) -> Self {
        self.blocklist = Some(list);
        self
    }
}

/// A validated OpenSSH public key line, stored normalised.
///
/// # Policy
///
/// **Line.** Any run of spaces, tabs, CRs and LFs before or after the line
/// is trimmed, so a line terminator and blank lines around a single key
/// line are accepted. Fields may be separated by runs of spaces or tabs, as
/// OpenSSH allows; the key is stored and returned normalised as
/// `type base64[ comment]` with single spaces (runs of spaces and tabs in the
/// comment also become one space). The length bounds measure the line
/// after trimming: the trimmed line may have at most
/// [`PublicKeyLine::MAX_LEN`] characters and the normalised line must have
/// at least [`PublicKeyLine::MIN_LEN`] (the contract's bounds; the minimum
/// can be changed with [`PublicKeyOptions::with_min_length`] or dropped with
/// [`PublicKeyOptions::without_min_length`]). Anything else that is not
/// printable is refused: a CR, LF or NUL inside the line (a second key line,
/// or a break between fields), other control characters, and invisible
/// formatting characters such as bidirectional overrides.
///
/// **Type.** Accepted: `ssh-rsa`, `ssh-ed25519`,
/// `ecdsa-sha2-nistp256/384/521`, `sk-ssh-ed25519@openssh.com` and
/// `sk-ecdsa-sha2-nistp256@openssh.com`. Refused, each with its own reason:
/// an authorized_keys options prefix (`command="…"`, `restrict`, `from=…`,
/// which would be injected into every VM's authorized_keys), certificates
/// (`*-cert-v01@openssh.com`), `ssh-dss`, signature algorithm names used as
/// key types (`rsa-sha2-256`, `rsa-sha2-512`), and any other type.
///
/// **Encoding.** The key data is strict, canonical standard base64: the
/// standard alphabet, `=` padding, no stray bits. The blob is parsed per
/// RFC 4253 section 6.6: its inner type equals the line's type, mpints are
/// minimal and non-negative (RFC 4251 section 5), and nothing is left over.
///
/// **RSA.** Modulus of 2048 (configurable floor) to 16384 bits, odd;
/// exponent odd with 3 ≤ e < n and at most 32 bits (configurable). Refused
/// as weak, with the checks of badkeys that need only the public key: a
/// prime factor up to 65537, a square modulus, primes close enough for
/// Fermat's method within 256 steps, a sparse modulus (the "nautilus" and
/// "completeftp" layouts polynomial factoring breaks), the xz backdoor's
/// command header (CVE-2024-3094), the ROCA structure (CVE-2017-15361),
/// and (when e has more than 32 bits) a private exponent small enough for
/// Wiener's attack. Accepted with a [`KeyWarning`]: fewer than 3072 bits, an
/// exponent other than 65537, a biased share of one bits (vanity or not),
/// 16 identical consecutive bytes in the modulus.
///
/// **ECDSA** (RFC 5656). The curve identifier matches the type; the point
/// is uncompressed (0x04 prefix), its coordinates are below the field prime,
/// it is on the curve and it is not the point at infinity.
///
/// **Ed25519** (RFC 8709). Exactly 32 bytes that canonically encode a point
/// of edwards25519 that is not of small order.
///
/// **FIDO** (OpenSSH PROTOCOL.u2f). As the underlying type, plus an
/// application string that starts with `ssh:`.
///
/// **Blocklist.** Keys on the built-in [`Blocklist`] (the Vagrant insecure
/// keys, the RFC 8032 test keys, the example keys printed in other RFCs) and
/// on an operator's list are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyLine {
    line: String,
    key_type: KeyType,
    bits: u32,
    comment_at: Option<usize>,
    blob: Vec<u8>,
    fingerprint_sha256: String,
    fingerprint_md5: String,
    warnings: Vec<KeyWarning>,
}

/// The characters trimmed around a key line: blanks and line breaks.
const LINE_BLANKS: [char; 4] = [' ', '\t', '\r', '\n'];

fn reject(reason: Reason, message: impl fmt::Display) -> Rejection {
    Rejection::new(reason, format!("publicKey: {message}"))
}

/// Keywords of authorized_keys options without a value (sshd(8),
/// AUTHORIZED_KEYS FILE FORMAT).
const OPTION_KEYWORDS: &[&str] = &[
    "agent-forwarding",
    "cert-authority",
    "no-agent-forwarding",
    "no-port-forwarding",
    "no-pty",
    "no-touch-required",
    "no-user-rc",
    "no-x11-forwarding",
    "port-forwarding",
    "pty",
    "restrict",
    "touch-required",
    "user-rc",
    "verify-required",
    "x11-forwarding",
];

/// The refusal of a line shorter than the minimum: it says which keys meet
/// the minimum and how a shorter one passes, since the contract's 512
/// characters surprise users of Ed25519 and ECDSA keys.
fn too_short(len: usize, min: usize, max: usize) -> Rejection {
    // A bare RSA-3072 line (`ssh-rsa` + the base64 of a 407-byte blob) has
    // 552 characters; RSA-2048 has 380, ECDSA P-521 about 200, Ed25519 80.
    let hint = if min <= 552 {
        format!(
            "rsa keys of 3072 bits or more meet it; shorter keys (ed25519, ecdsa, rsa-2048) need \
             a comment that pads the line to {min}"
        )
    } else {
        format!("pad the line to {min} with a comment")
    };
    Rejection::with_accepted(
        Reason::PublicKeyTooShort,
        format!("publicKey: the normalised line has {len} characters, fewer than {min}: {hint}"),
        format!("an openssh public key line of {min} to {max} characters"),
    )
}

/// Classifies the first token of the line.
fn classify(first: &str, rest: &[&str]) -> Result<KeyType, Rejection> {
    if let Some(t) = KeyType::from_name(first) {
        return Ok(t);
    }
    if first.ends_with("-cert-v01@openssh.com") || first.ends_with("-cert-v00@openssh.com") {
        return Err(reject(
            Reason::PublicKeyCertificate,
            format!(
                "{} is an openssh certificate, not a public key",
                show_token(first)
            ),
        ));
    }
    if first == "ssh-dss" {
        return Err(reject(
            Reason::PublicKeyDsa,
            "ssh-dss (dsa) keys are refused: openssh disabled them as too weak",
        ));
    }
    if first == "rsa-sha2-256" || first == "rsa-sha2-512" {
        return Err(reject(
            Reason::PublicKeySignatureAlgorithm,
            format!("{first} names a signature algorithm; the key type of an rsa key is ssh-rsa"),
        ));
    }
    let options_like = first.contains(['=', '"', ','])
        || OPTION_KEYWORDS
            .iter()
            .any(|k| first.eq_ignore_ascii_case(k))
        || rest.iter().take(4).any(|t| looks_like_key_type(t));
    if options_like {
        return Err(reject(
            Reason::PublicKeyOptionsPrefix,
            "authorized_keys options before the key type are refused (they would apply on every vm)",
        ));
    }
    Err(reject(
        Reason::PublicKeyUnknownType,
        format!("unknown key type {}", show_token(first)),
    ))
}

impl PublicKeyLine {
    /// The fewest characters of the normalised line (the contract's bound).
    pub const MIN_LEN: usize = 512;
    /// The most characters of the trimmed line (the contract's bound).
    pub const MAX_LEN: usize = 2000;
    /// The most characters of the trimmed line with
    /// [`PublicKeyOptions::without_length_bounds`], which bounds the work.
    pub const UNBOUNDED_MAX_LEN: usize = 8192;
    /// The default floor of the RSA modulus size in bits.
    pub const MIN_RSA_BITS: u32 = 2048;
    /// The largest RSA modulus size in bits.
    pub const MAX_RSA_BITS: u32 = 16_384;
    /// The default largest RSA public exponent, in bits.
    pub const MAX_RSA_EXPONENT_BITS: u32 = 32;
    // Spelled as literals so that the documentation shows the values; the
    // policy itself reads the private constants of `rsa`, and the test
    // `public_limits_match_the_policy` keeps the two equal.

    /// Validates a public key line with the API's policy
    /// ([`PublicKeyOptions::api`]).
    ///
    /// # Errors
    ///
    /// A [`Rejection`] whose [`Reason`] is one of the `publicKey` reasons.
    pub fn new(input: &str) -> Result<Self, Rejection> {
        Self::with_options(input, &PublicKeyOptions::api())
    }

    /// Validates a public key line with explicit options.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] whose [`Reason`] is one of the `publicKey` reasons.
    pub fn with_options(input: &str, options: &PublicKeyOptions<'_>) -> Result<Self, Rejection> {
        // Trim every run of spaces, tabs, CRs and LFs around the line: a
        // pasted key often brings its line terminator and blank lines along
        // (OpenSSH's own test key files end with an empty line). What is
        // left must be one line; a break inside it is refused below.
        let s = input.trim_matches(LINE_BLANKS);

        // A line of printable ASCII (the usual case) needs neither the
        // character count nor the per-character scan below: its byte length
        // is its character count, and it has no control, line-break or
        // invisible character. The byte test is a cheap, vectorisable loop.
        let printable_ascii = s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
        if (!printable_ascii || s.len() > options.max_length)
            && s.chars().nth(options.max_length).is_some()
        {
            return Err(reject(
                Reason::PublicKeyTooLong,
                format!("the line must be at most {} characters", options.max_length),
            ));
        }
        if !printable_ascii {
            for (i, c) in s.chars().enumerate() {
                if c == '\r' || c == '\n' {
                    return Err(reject(
                        Reason::PublicKeyMultipleLines,
                        format!(
                            "line break {} at position {} inside the line is refused (one key per line)",
                            show_char(c),
                            i + 1
                        ),
                    ));
                }
                if (c.is_control() && c != '\t') || is_invisible(c) {
                    return Err(reject(
                        Reason::PublicKeyControlCharacter,
                        format!(
                            "character {} at position {} is not printable",
                            show_char(c),
                            i + 1
                        ),
                    ));
                }
            }
        }

        // Fields are separated by runs of spaces and tabs. The checks above
        // refused every other ASCII whitespace character (line breaks and
        // form feeds are control characters), so splitting on ASCII
        // whitespace splits on exactly those two, byte by byte.
        let tokens: Vec<&str> = s.split_ascii_whitespace().collect();
        let Some((&first, rest)) = tokens.split_first() else {
            return Err(reject(
                Reason::PublicKeyMissingData,
                "is empty; expected a key type, base64 key data and an optional comment",
            ));
        };
        let key_type = classify(first, rest)?;
        let Some((&data, comment)) = rest.split_first() else {
            return Err(reject(
                Reason::PublicKeyMissingData,
                format!(
                    "the key type {} is not followed by base64 key data",
                    key_type.as_str()
                ),
            ));
        };

        // Normalise: single spaces between all fields.
        let mut line = String::with_capacity(s.len());
        line.push_str(key_type.as_str());
        line.push(' ');
        line.push_str(data);
        let comment_at = if comment.is_empty() {
            None
        } else {
            let at = line.len() + 1;
            for word in comment {
                line.push(' ');
                line.push_str(word);
            }
            Some(at)
        };
        if options.min_length > 0 {
            let len = line.chars().count();
            if len < options.min_length {
                return Err(too_short(len, options.min_length, options.max_length));
            }
        }

        // base64ct's `Base64` is the strict, constant-time RFC 4648 decoder:
        // standard alphabet, padding required, non-zero stray bits refused.
        let blob = Base64::decode_vec(data).map_err(|_| {
            reject(
                Reason::PublicKeyBase64,
                "the key data is not strict padded standard base64",
            )
        })?;

        let (fields, application) = read_fields(key_type, &blob)?;
        let mut warnings = Vec::new();
        if options.structure_only {
            let bits = match fields {
                Fields::Rsa { n, .. } => crate::num::bit_len(n),
                Fields::Ed25519 { .. } => 256,
                Fields::Ecdsa { .. } => key_type.curve().unwrap_or(Curve::P256).bits(),
            };
            return Ok(Self {
                fingerprint_sha256: crate::sha256_fingerprint(&blob),
                fingerprint_md5: crate::md5_fingerprint(&blob),
                line,
                key_type,
                bits,
                comment_at,
                blob,
                warnings,
            });
        }
        let (bits, number): (u32, &[u8]) = match fields {
            Fields::Rsa { e, n } => {
                let policy = rsa::Policy {
                    min_bits: options.min_rsa_bits,
                    max_exponent_bits: options.max_rsa_exponent_bits,
                    prime_modulus: options.prime_modulus,
                };
                (rsa::check(e, n, policy, &mut warnings)?, n)
            }
            Fields::Ed25519 { key } => {
                ed25519::check(key)?;
                (256, key)
            }
            Fields::Ecdsa { identifier, q } => {
                // `curve()` is Some for every ECDSA type.
                let curve = key_type.curve().unwrap_or(Curve::P256);
                (curve.bits(), curves::check_ecdsa(curve, identifier, q)?)
            }
        };
        // OpenSSH reads the application as a C string (sshbuf_get_cstring)
        // and refuses one with a NUL inside.
        if application.is_some_and(|app| !app.starts_with(b"ssh:") || app.contains(&0)) {
            return Err(reject(
                Reason::SkApplication,
                "the fido application string must start with \"ssh:\" and hold no nul byte",
            ));
        }

        // With no operator list, the built-in keys are compared as numbers
        // (no hash to compute); with one, both lists are searched by digest.
        let listed = match options.blocklist {
            None => Blocklist::builtin_lists_number(number),
            Some(list) => {
                let digest = Blocklist::digest(number);
                Blocklist::builtin().contains_digest(&digest) || list.contains_digest(&digest)
            }
        };
        if listed {
            return Err(reject(
                Reason::PublicKeyBlocklisted,
                "the key is a known-compromised key whose private half is public",
            ));
        }

        Ok(Self {
            fingerprint_sha256: crate::sha256_fingerprint(&blob),
            fingerprint_md5: crate::md5_fingerprint(&blob),
            line,
            key_type,
            bits,
            comment_at,
            blob,
            warnings,
        })
    }

    /// Reads a public key line by its structure alone, without the import
    /// policy: for fingerprinting or displaying any well-formed key.
    ///
    /// The line is normalised as [`PublicKeyLine::new`] does it and must be
    /// one line of printable characters; the type must be one of
    /// [`KeyType::ALL`], the key data strict padded base64, and the blob a
    /// well-formed RFC 4253 blob of that type (inner type equal, minimal
    /// non-negative mpints, nothing left over). Not checked: the line's
    /// length, key sizes, exponents, points on curves, weak keys, the
    /// blocklist. [`PublicKeyLine::warnings`] is always empty.
    ///
    /// ```
    /// use keygen_core::PublicKeyLine;
    ///
    /// // The Vagrant insecure key: refused by `new`, read here.
    /// let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1YdxBpNlzxDqfJyw/QKow1F+wvG9hXGoqiysfJOn5Y vagrant";
    /// assert!(PublicKeyLine::new(line).is_err());
    /// let key = PublicKeyLine::parse_unchecked(line).unwrap();
    /// assert_eq!(
    ///     key.fingerprint_sha256(),
    ///     "SHA256:WkvqjnyPAeC0cbPErYiGP9vqHdgL1MqqvPdIe3lvHgI"
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// A [`Rejection`] whose [`Reason`] names the structural fault (for
    /// example [`Reason::PublicKeyUnknownType`], [`Reason::PublicKeyBase64`]
    /// or [`Reason::PublicKeyBlobTruncated`]).
    pub fn parse_unchecked(input: &str) -> Result<Self, Rejection> {
        let options = PublicKeyOptions {
            min_length: 0,
            max_length: usize::MAX,
            structure_only: true,
            ..PublicKeyOptions::api()
        };
        Self::with_options(input, &options)
    }

    /// The exponent and modulus magnitudes of an RSA key.
    pub(crate) fn rsa_fields(&self) -> Option<(&[u8], &[u8])> {
        match read_fields(self.key_type, &self.blob) {
            Ok((Fields::Rsa { e, n }, _)) => Some((e, n)),
            _ => None,
        }
    }

    /// The normalised line: `type base64[ comment]`, single spaces.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.line
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The key size in bits, as `ssh-keygen -l` prints it: the modulus size
    /// for RSA, the curve size for ECDSA, 256 for Ed25519.
    #[must_use]
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The comment, normalised, if there is one.
    #[must_use]
    pub fn comment(&self) -> Option<&str> {
        self.comment_at.map(|at| &self.line[at..])
    }

    /// The RFC 4253 public-key blob.
    #[must_use]
    pub fn blob(&self) -> &[u8] {
        &self.blob
    }

    /// The OpenSSH `SHA256:` fingerprint.
    #[must_use]
    pub fn fingerprint_sha256(&self) -> &str {
        &self.fingerprint_sha256
    }

    /// The legacy MD5 fingerprint, colon-separated hex.
    #[must_use]
    pub fn fingerprint_md5(&self) -> &str {
        &self.fingerprint_md5
    }

    /// Warnings about an accepted key (RSA under 3072 bits, e ≠ 65537).
    #[must_use]
    pub fn warnings(&self) -> &[KeyWarning] {
        &self.warnings
    }
}

impl FromStr for PublicKeyLine {
    type Err = Rejection;
    fn from_str(s: &str) -> Result<Self, Rejection> {
        Self::new(s)
    }
}

impl AsRef<str> for PublicKeyLine {
    fn as_ref(&self) -> &str {
        &self.line
    }
}

impl fmt::Display for PublicKeyLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_limits_match_the_policy() {
        assert_eq!(PublicKeyLine::MIN_RSA_BITS, rsa::MIN_BITS);
        assert_eq!(PublicKeyLine::MAX_RSA_BITS, rsa::MAX_BITS);
        assert_eq!(PublicKeyLine::MAX_RSA_EXPONENT_BITS, rsa::MAX_EXPONENT_BITS);
    }

    #[test]
    fn base64ct_is_strict() {
        // Canonical forms decode; stray bits, missing padding, the URL-safe
        // alphabet and whitespace do not.
        assert_eq!(Base64::decode_vec("AA==").unwrap(), [0]);
        assert_eq!(Base64::decode_vec("AAA=").unwrap(), [0, 0]);
        for bad in [
            "AB==", "AAB=", "AA", "AA=", "A===", "-_8=", "AA ==", "AA==\n", "AA==AA==",
        ] {
            assert!(Base64::decode_vec(bad).is_err(), "{bad:?} decoded");
        }
    }

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC";

    fn short() -> PublicKeyOptions<'static> {
        PublicKeyOptions::api().without_min_length()
    }

    #[test]
    fn trims_and_normalises() {
        let k =
            PublicKeyLine::with_options(&format!(" \t{ED}\t\tuser@host  laptop \r\n"), &short())
                .unwrap();
        assert_eq!(k.as_str(), format!("{ED} user@host laptop"));
        assert_eq!(k.comment(), Some("user@host laptop"));
        assert_eq!(k.key_type(), KeyType::Ed25519);
        assert_eq!(k.bits(), 256);
        let again = PublicKeyLine::with_options(k.as_str(), &short()).unwrap();
        assert_eq!(again, k);
        assert_eq!(
            PublicKeyLine::new(ED).unwrap_err().reason(),
            Reason::PublicKeyTooShort
        );
    }

    #[test]
    fn trims_blank_lines_around_one_line() {
        let want = format!("{ED} me");
        for input in [
            format!("{ED} me\n\n"),
            format!("{ED} me\r\n\r\n"),
            format!("{ED} me\n \t\n\t"),
            format!("{ED} me\r"),
            format!("\n\n  {ED} me"),
            format!("\r\n\t\n{ED} me \n\n\n"),
        ] {
            let k = PublicKeyLine::with_options(&input, &short())
                .unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(k.as_str(), want, "{input:?}");
        }
    }

    #[test]
    fn length_bounds_measure_the_trimmed_line() {
        // Blank lines around the line do not count towards the maximum
        // (1999 characters plus blank lines pass; 2001 do not)...
        let pad = |len: usize| format!("{ED} {}", "x".repeat(len - ED.len() - 1));
        let opts = short();
        let input = format!("\n\n{}\n\n\n", pad(PublicKeyLine::MAX_LEN));
        assert!(PublicKeyLine::with_options(&input, &opts).is_ok());
        let input = format!("{}\n", pad(PublicKeyLine::MAX_LEN + 1));
        let e = PublicKeyLine::with_options(&input, &opts).unwrap_err();
        assert_eq!(e.reason(), Reason::PublicKeyTooLong);
        // ...nor towards the minimum.
        let api = PublicKeyOptions::api();
        let input = format!("{}\n\n", pad(PublicKeyLine::MIN_LEN - 1));
        let e = PublicKeyLine::with_options(&input, &api).unwrap_err();
        assert_eq!(e.reason(), Reason::PublicKeyTooShort);
        let input = format!("{}\r\n\r\n", pad(PublicKeyLine::MIN_LEN));
        assert!(PublicKeyLine::with_options(&input, &api).is_ok());
    }

    #[test]
    fn the_minimum_says_what_passes_and_is_configurable() {
        let e = PublicKeyLine::new(ED).unwrap_err();
        assert_eq!(e.reason(), Reason::PublicKeyTooShort);
        assert_eq!(
            e.message(),
            "publicKey: the normalised line has 80 characters, fewer than 512: rsa keys of 3072 \
             bits or more meet it; shorter keys (ed25519, ecdsa, rsa-2048) need a comment that \
             pads the line to 512"
        );
        assert!(e.message().len() < 200);
        assert_eq!(
            e.accepted(),
            "an openssh public key line of 512 to 2000 characters"
        );
        assert_eq!(e.accepted(), Reason::PublicKeyTooShort.accepted());
        for min in [0, 1, 80] {
            let options = PublicKeyOptions::api().with_min_length(min);
            assert!(PublicKeyLine::with_options(ED, &options).is_ok(), "{min}");
        }
        let e = PublicKeyLine::with_options(ED, &PublicKeyOptions::api().with_min_length(81))
            .unwrap_err();
        assert_eq!(e.reason(), Reason::PublicKeyTooShort);
        assert!(e.message().contains("fewer than 81"), "{}", e.message());
        assert_eq!(
            e.accepted(),
            "an openssh public key line of 81 to 2000 characters"
        );
        // Above what RSA-3072 reaches bare, the hint is only the padding.
        let e = PublicKeyLine::with_options(ED, &PublicKeyOptions::api().with_min_length(600))
            .unwrap_err();
        assert!(
            e.message().ends_with("pad the line to 600 with a comment"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn line_refusals() {
        let cases: &[(String, Reason)] = &[
            (format!("{ED}\n{ED}"), Reason::PublicKeyMultipleLines),
            (format!("{ED}\n\n{ED}\n"), Reason::PublicKeyMultipleLines),
            (
                format!("\n{ED}\r\n \r\nx\n"),
                Reason::PublicKeyMultipleLines,
            ),
            (format!("{ED} a\rb"), Reason::PublicKeyMultipleLines),
            (format!("{ED} a\nb\n"), Reason::PublicKeyMultipleLines),
            (ED.replacen(' ', "\r\n", 1), Reason::PublicKeyMultipleLines),
            (format!("{ED} a\0b"), Reason::PublicKeyControlCharacter),
            (format!("{ED} \u{1b}[2J"), Reason::PublicKeyControlCharacter),
            (format!("{ED} \u{202e}"), Reason::PublicKeyControlCharacter),
            (
                format!("command=\"id\" {ED}"),
                Reason::PublicKeyOptionsPrefix,
            ),
            (format!("restrict {ED}"), Reason::PublicKeyOptionsPrefix),
            (
                format!("from=\"10.0.0.1\",no-pty {ED}"),
                Reason::PublicKeyOptionsPrefix,
            ),
            ("ssh-dss AAAA".to_owned(), Reason::PublicKeyDsa),
            (
                "rsa-sha2-512 AAAA".to_owned(),
                Reason::PublicKeySignatureAlgorithm,
            ),
            (
                "ssh-ed25519-cert-v01@openssh.com AAAA".to_owned(),
                Reason::PublicKeyCertificate,
            ),
            ("ssh-foo AAAA".to_owned(), Reason::PublicKeyUnknownType),
            ("ssh-ed25519".to_owned(), Reason::PublicKeyMissingData),
            ("".to_owned(), Reason::PublicKeyMissingData),
            ("ssh-ed25519 AAAA!".to_owned(), Reason::PublicKeyBase64),
            ("x".repeat(2001), Reason::PublicKeyTooLong),
        ];
        for (input, reason) in cases {
            let e = PublicKeyLine::with_options(input, &short()).unwrap_err();
            assert_eq!(e.reason(), *reason, "{input:?}: {}", e.message());
            assert_eq!(e.field(), "publicKey");
            assert!(e.message().starts_with("publicKey: "));
            assert!(e.message().len() < 200);
        }
    }

    #[test]
    fn rfc_example_keys_are_refused_as_blocklisted() {
        let file = include_str!("insecure-keys/rfc-example-keys.pub");
        let mut count = 0;
        for line in file
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            // Padded to the API's minimum, so only the key can be refused.
            let padded = format!("{line} {}", "x".repeat(PublicKeyLine::MIN_LEN));
            let e = PublicKeyLine::new(&padded).unwrap_err();
            let bits = PublicKeyLine::parse_unchecked(line).unwrap().bits();
            let want = if line.starts_with("ssh-rsa ") && bits < 2048 {
                // Refused for its size first; its digest is listed all the
                // same (blocklist tests).
                Reason::RsaModulusTooSmall
            } else {
                Reason::PublicKeyBlocklisted
            };
            assert_eq!(e.reason(), want, "{line}: {}", e.message());
            count += 1;
        }
        assert_eq!(count, 35);
        // A key that is not listed passes.
        assert!(PublicKeyLine::with_options(ED, &short()).is_ok());
        let fresh = crate::Blocklist::builtin();
        let key = PublicKeyLine::with_options(ED, &short()).unwrap();
        let Some(ed_key) = key.blob().get(key.blob().len() - 32..) else {
            panic!("short blob")
        };
        assert!(!fresh.contains(ed_key));
    }

    #[test]
    fn key_type_names_round_trip() {
        for t in KeyType::ALL {
            assert_eq!(KeyType::from_name(t.as_str()), Some(*t));
        }
    }
}
