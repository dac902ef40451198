//! Blocklists of known-compromised public keys, in the digest form of badkeys.
//!
//! A key is identified as badkeys does (its `docs/BLOCKLISTFORMAT.md`,
//! "BKHASH"): one number of the public key, encoded big-endian without
//! leading zero bytes, hashed with SHA-256 and truncated to 120 bits. The
//! number is the modulus `n` for RSA, the `x` coordinate for ECDSA, and the
//! 32 key bytes read as a big-endian integer for Ed25519. Identifying a key
//! by one number makes every encoding of it (and every exponent paired with
//! a compromised RSA modulus) match.

use core::fmt;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// Bytes of a blocklist digest: SHA-256 truncated to 120 bits (BKHASH120).
const DIGEST_LEN: usize = 15;

/// A sorted set of key digests.
///
/// The built-in list ([`Blocklist::builtin`]) holds well-known insecure keys
/// whose private halves are public: the Vagrant insecure keys (RSA and
/// Ed25519), the Ed25519 test keys of RFC 8032 section 7.1, and the example
/// keys of other RFCs that an SSH key line can carry (RSA, ECDSA and
/// Ed25519 keys of RFC 7515, 7516, 7517, 7520, 8410, 9500, 6979, 6605,
/// 8080, 9216, 9635, 8696, 4474, 4870, 4871, 5702 and 8946). An operator
/// can add a larger list, such as badkeys' own, with [`Blocklist::parse`]
/// (text) or [`Blocklist::from_badkeys_dat`] (badkeys' binary
/// `blocklist.dat`); the core does no I/O, so the caller reads the file.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blocklist {
    digests: Vec<[u8; DIGEST_LEN]>,
}

impl fmt::Debug for Blocklist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocklist")
            .field("len", &self.digests.len())
            .finish()
    }
}

/// Why a blocklist file could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlocklistError {
    line: usize,
    message: &'static str,
}

impl BlocklistError {
    /// The 1-based line (text) or record (binary) at fault.
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }
}

impl fmt::Display for BlocklistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blocklist line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for BlocklistError {}

impl Blocklist {
    /// The digest of a key number (big-endian; leading zero bytes are
    /// stripped here): SHA-256 truncated to 120 bits, as badkeys computes it.
    #[must_use]
    pub fn digest(value: &[u8]) -> [u8; 15] {
        let hash = Sha256::digest(crate::num::strip_leading_zeros(value));
        let mut out = [0u8; DIGEST_LEN];
        out.copy_from_slice(&hash[..DIGEST_LEN]);
        out
    }

    /// Parses a text blocklist: one lowercase or uppercase hex digest per
    /// line, at least 30 hex digits (badkeys' 120-bit truncation; a full
    /// 64-digit SHA-256 is also accepted and truncated), optionally followed
    /// by whitespace or `;` and a label, which is ignored. Blank lines and
    /// lines starting with `#` are skipped.
    ///
    /// # Errors
    ///
    /// A [`BlocklistError`] naming the first line that is not such a digest.
    pub fn parse(text: &str) -> Result<Self, BlocklistError> {
        let mut digests = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let hex = line
                .split(|c: char| c.is_whitespace() || c == ';')
                .next()
                .unwrap_or("");
            let err = |message| BlocklistError {
                line: i + 1,
                message,
            };
            if hex.len() < 2 * DIGEST_LEN || hex.len() > 64 {
                return Err(err("expected a hex digest of 30 to 64 digits"));
            }
            let mut digest = [0u8; DIGEST_LEN];
            let bytes = hex.as_bytes();
            for (k, out) in digest.iter_mut().enumerate() {
                let hi = hex_digit(bytes[2 * k]);
                let lo = hex_digit(bytes[2 * k + 1]);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => *out = hi << 4 | lo,
                    _ => return Err(err("not a hex digit")),
                }
            }
            if !bytes[2 * DIGEST_LEN..]
                .iter()
                .all(|&b| hex_digit(b).is_some())
            {
                return Err(err("not a hex digit"));
            }
            digests.push(digest);
        }
        Ok(Self::from_digests(digests))
    }

    /// Parses badkeys' binary `blocklist.dat`: sorted 16-byte records of a
    /// 15-byte digest and a one-byte list id (the id is ignored).
    ///
    /// # Errors
    ///
    /// A [`BlocklistError`] when the length is not a multiple of 16.
    pub fn from_badkeys_dat(bytes: &[u8]) -> Result<Self, BlocklistError> {
        if !bytes.len().is_multiple_of(16) {
            return Err(BlocklistError {
                line: bytes.len() / 16 + 1,
                message: "the file is not a whole number of 16-byte records",
            });
        }
        let digests = bytes
            .chunks_exact(16)
            .map(|record| {
                let mut d = [0u8; DIGEST_LEN];
                d.copy_from_slice(&record[..DIGEST_LEN]);
                d
            })
            .collect();
        Ok(Self::from_digests(digests))
    }

    fn from_digests(mut digests: Vec<[u8; DIGEST_LEN]>) -> Self {
        digests.sort_unstable();
        digests.dedup();
        Self { digests }
    }

    /// The built-in list of well-known insecure keys, built on first use
    /// from the public key files shipped in the crate.
    #[must_use]
    pub fn builtin() -> &'static Blocklist {
        static BUILTIN: OnceLock<Blocklist> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Self::from_digests(builtin_numbers().iter().map(|v| Self::digest(v)).collect())
        })
    }

    /// Whether the key number `value` is one of the built-in keys, by
    /// comparing the numbers themselves: the same answer as
    /// `Blocklist::builtin().contains(value)` without hashing, for the usual
    /// case of no other list.
    pub(crate) fn builtin_lists_number(value: &[u8]) -> bool {
        let value = crate::num::strip_leading_zeros(value);
        builtin_numbers().iter().any(|n| **n == *value)
    }

    /// Whether the key number `value` (as for [`Blocklist::digest`]) is listed.
    #[must_use]
    pub fn contains(&self, value: &[u8]) -> bool {
        self.contains_digest(&Self::digest(value))
    }

    /// Whether a digest is listed.
    #[must_use]
    pub fn contains_digest(&self, digest: &[u8; 15]) -> bool {
        self.digests.binary_search(digest).is_ok()
    }

    /// How many digests the list holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

/// The key numbers of the built-in keys, without leading zero bytes.
fn builtin_numbers() -> &'static [Vec<u8>] {
    static NUMBERS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    NUMBERS.get_or_init(|| {
        BUILTIN_KEYS
            .iter()
            .flat_map(|file| file.lines())
            .filter_map(super::blob::key_number_of_line)
            .map(|value| crate::num::strip_leading_zeros(&value).to_vec())
            .collect()
    })
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Well-known insecure public keys whose private halves are published.
const BUILTIN_KEYS: &[&str] = &[
    // Vagrant's insecure key pairs (hashicorp/vagrant, keys/), installed on
    // base boxes so that `vagrant ssh` works before a key is rotated.
    include_str!("insecure-keys/vagrant-insecure-rsa.pub"),
    include_str!("insecure-keys/vagrant-insecure-ed25519.pub"),
    // The test keys of RFC 8032 section 7.1 (TEST 1, 2, 3, 1024, SHA(abc)),
    // whose secret keys are printed in the RFC.
    include_str!("insecure-keys/rfc8032-test-keys.pub"),
    // Example keys of other RFCs, with their private halves printed there
    // (JOSE, X.509, DNSSEC, S/MIME, DKIM examples; the file names each
    // key's RFC and section).
    include_str!("insecure-keys/rfc-example-keys.pub"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_text() {
        let d = Blocklist::digest(&[0, 0, 1, 2, 3]);
        assert_eq!(d, Blocklist::digest(&[1, 2, 3]));
        let hex: String = d.iter().map(|b| format!("{b:02X}")).collect();
        let text = format!(
            "# comment\n\n{hex} vagrant\n{}0123456789abcdef;x\n",
            "ab".repeat(24)
        );
        let list = Blocklist::parse(&text).unwrap();
        assert_eq!(list.len(), 2);
        assert!(list.contains(&[1, 2, 3]));
        assert!(!list.contains(&[1, 2, 4]));

        assert_eq!(Blocklist::parse("abc\n").unwrap_err().line(), 1);
        let bad = format!("# c\n{}\n", "g".repeat(30));
        let e = Blocklist::parse(&bad).unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(e.to_string().contains("line 2"));
    }

    #[test]
    fn parse_dat() {
        let d = Blocklist::digest(&[7; 40]);
        let mut record = d.to_vec();
        record.push(3);
        let list = Blocklist::from_badkeys_dat(&record).unwrap();
        assert!(list.contains(&[7; 40]));
        assert!(Blocklist::from_badkeys_dat(&record[..15]).is_err());
    }

    #[test]
    fn builtin_has_every_shipped_key() {
        let lines: usize = BUILTIN_KEYS
            .iter()
            .flat_map(|f| f.lines())
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(Blocklist::builtin().len(), lines);
        assert!(lines >= 7 + 35);
    }

    /// The badkeys digests (BKHASH120) of the RFC example keys, as badkeys'
    /// own tooling computes them for the same keys: each line of
    /// rfc-example-keys.pub must hash to its entry, and every entry must
    /// have a line.
    const RFC_EXAMPLE_DIGESTS: &[(&str, &str)] = &[
        ("rsa2048-rfc7517-A", "cfd9828d5c4be180a7f4eb8b337257"),
        ("ecdsap256-rfc7517-A", "fa0823c601e01670320f579ad4c5c4"),
        ("rsa2048-rfc7515-A.2", "26d6872d476b20e7eaa7cc894dcbc0"),
        ("ecdsap256-rfc7515", "c4a8d76ecf5f712a6f98052d967a15"),
        ("ecdsap521-rfc7515", "08d4c44ed3de00523ff625400c954b"),
        ("rsa2048-rfc7516-A.1", "d89fbe834d59519ea134fe0c09515f"),
        ("rsa2048-rfc7516-A.2", "ead3f45c49f2914788edf91ff59dc0"),
        ("ecdsap521-rfc7520", "2fa826c24364cd3811e370291c3eec"),
        ("rsa2048-rfc7520", "91c2c702c0240040ba2a82a55357ac"),
        ("ecdsap384-rfc7520", "764d93fbafa4ff760cdd00e242e1e6"),
        ("rsa4096-rfc7520", "9824cb1775986a785650f342359396"),
        ("ed25519-rfc8410", "e744c0791320c3285460eddb523f14"),
        ("rsa1024-rfc9500", "33d5b04ff73a985edb0f91900a927b"),
        ("rsa2048-rfc9500", "d5246bc377541fb76508de53d527eb"),
        ("rsa4096-rfc9500", "718d4d86179831caf9ff705a08a587"),
        ("ecdsap256-rfc9500", "336ab2ef332415f3ec691a96a4dfd2"),
        ("ecdsap384-rfc9500", "f37f4a83bbce8e3e8118ca38541b39"),
        ("ecdsap521-rfc9500", "95ebd9e88bd04c3238d9593c875af8"),
        ("ecdsap256-rfc6979", "10985c901b9bc6c098258f3ae43e4f"),
        ("ecdsap384-rfc6979", "cab8860f3b4d077859313d2a4ef4fe"),
        ("ecdsap521-rfc6979", "0925f7c753355dd3cd3c4904001d6f"),
        ("ecdsap256-rfc6605", "f017cc3a1ad4afd02dbcf7e03a716a"),
        ("ecdsap384-rfc6605", "9dd2bc0e3d5fc1035d1ab8ed65423a"),
        ("ed25519-rfc8080", "4f5c3376bc776ab9ad2b1b53d99b54"),
        ("ed25519-rfc8080a", "09474483b4a9315b6e3408f50fc52a"),
        ("ed25519-rfc9216", "b9c3f3dcb228aab2e0eaf2fc535ff0"),
        ("rsa2048-rfc9216", "1f632c1b69e93a3f6fb11ff0abe1e9"),
        ("rsa2048-rfc9635", "4cef6712be02dc19cf064219c3d181"),
        ("rsa3072-rfc8696", "75ec43793a1681e6f043eb674ffd85"),
        ("rsa1024-rfc4474", "1b12d669098bb7f23eeb071af5642f"),
        ("rsa768-rfc4870", "54c9d985b2129c4f329891453fd77f"),
        ("rsa1024-rfc4871", "1be2c2e898b8cb93583845439eb7b8"),
        ("rsa512-rfc5702", "ca2051ddc164a3ce581dd0ef259f9e"),
        ("rsa1024-rfc5702", "9004d540add099c4569be19d13c032"),
        ("ec-p256-rfc8946", "f9109dc651a11992575b3ec496aded"),
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn rfc_example_keys_have_the_badkeys_digests() {
        let file = include_str!("insecure-keys/rfc-example-keys.pub");
        let mut seen = Vec::new();
        for line in file
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let name = line.split(' ').nth(2).expect("a named line");
            let (_, want) = RFC_EXAMPLE_DIGESTS
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{name}: no expected digest"));
            let number = super::super::blob::key_number_of_line(line).expect(name);
            assert_eq!(hex(&Blocklist::digest(&number)), *want, "{name}");
            assert!(Blocklist::builtin().contains(&number), "{name}");
            assert!(Blocklist::builtin_lists_number(&number), "{name}");
            seen.push(name);
        }
        assert_eq!(seen.len(), RFC_EXAMPLE_DIGESTS.len());
        for (name, _) in RFC_EXAMPLE_DIGESTS {
            assert!(seen.contains(name), "{name}: no line");
        }
    }

    #[test]
    fn builtin_number_lookup_agrees_with_digests() {
        for number in builtin_numbers() {
            assert!(Blocklist::builtin().contains(number));
            assert!(Blocklist::builtin_lists_number(number));
            let mut padded = vec![0u8; 2];
            padded.extend_from_slice(number);
            assert!(Blocklist::builtin_lists_number(&padded));
            let mut other = number.clone();
            *other.last_mut().unwrap() ^= 1;
            assert!(!Blocklist::builtin().contains(&other));
            assert!(!Blocklist::builtin_lists_number(&other));
        }
        assert!(!Blocklist::builtin_lists_number(&[]));
    }
}
