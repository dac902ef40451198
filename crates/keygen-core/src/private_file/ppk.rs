//! PuTTY PPK version 3 private-key files, as the PuTTY manual's appendix C
//! ("PPK file format") lays them out.
//!
//! Written by hand: no maintained Rust crate reads and writes PPK v3. The
//! cryptography is the RustCrypto crates' (argon2, aes, cbc, hmac, sha2);
//! this file only lays out the text and the MAC's input.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
use base64ct::{Base64, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{DecryptError, RsaParts, random};
use crate::check::{CheckName, PrivateKeyReport};
use crate::ssh::{Reader, put_string};
use crate::{Error, Result};

/// Argon2 memory of the files this crate writes, in KiB: PuTTY's default
/// (`puttygen --ppk-param memory=8192`).
pub(crate) const PPK_ARGON2_MEMORY_KIB: u32 = 8192;

/// Argon2 passes of the files this crate writes. PuTTY calibrates the count
/// to take 100 ms on the machine at hand (`--ppk-param time=100`); a fixed
/// count keeps the files alike everywhere, and any count is read.
pub(crate) const PPK_ARGON2_PASSES: u32 = 21;

/// The first line's key word, followed by the key's algorithm name.
const HEADER: &str = "PuTTY-User-Key-File-3: ";

/// Base64 characters per line, as PuTTY writes them.
const LINE: usize = 64;

/// The largest Argon2 cost read: PuTTY's own limits are far below (it
/// refuses memory over 2^30 KiB); these keep a hostile file from costing
/// more than seconds.
const MAX_MEMORY_KIB: u32 = 1 << 20;
const MAX_PASSES: u32 = 1000;

/// Whether `text` is a PPK file of any version (the first line names it).
pub(crate) fn is_ppk(text: &str) -> bool {
    text.starts_with("PuTTY-User-Key-File-")
}

/// Whether a PPK file says it is encrypted.
pub(super) fn is_encrypted(text: &str) -> bool {
    text.lines()
        .find_map(|l| l.strip_prefix("Encryption: "))
        .is_some_and(|e| e.trim() != "none")
}

/// Reads an RFC 4251 `mpint` that must be non-negative, as magnitude bytes
/// (leading zeros tolerated, as PuTTY reads them).
fn take_mpint(r: &mut Reader<'_>, field: &'static str) -> Option<Zeroizing<Vec<u8>>> {
    Some(Zeroizing::new(r.read_mpint_lenient(field).ok()?.to_vec()))
}

/// Cipher key, IV and MAC key: Argon2's 80 bytes (manual C.3).
struct Keys {
    material: Zeroizing<[u8; 80]>,
}

impl Keys {
    fn derive(passphrase: &[u8], kdf: &Argon2Params) -> core::result::Result<Self, String> {
        let algorithm = match kdf.flavour.as_str() {
            "Argon2d" => argon2::Algorithm::Argon2d,
            "Argon2i" => argon2::Algorithm::Argon2i,
            "Argon2id" => argon2::Algorithm::Argon2id,
            other => return Err(format!("key derivation {other:?}")),
        };
        let params = argon2::Params::new(kdf.memory, kdf.passes, kdf.parallelism, Some(80))
            .map_err(|e| format!("argon2 parameters: {e}"))?;
        let mut material = Zeroizing::new([0u8; 80]);
        argon2::Argon2::new(algorithm, argon2::Version::V0x13, params)
            .hash_password_into(passphrase, &kdf.salt, material.as_mut())
            .map_err(|e| format!("argon2: {e}"))?;
        Ok(Self { material })
    }

    fn cipher_key(&self) -> &[u8; 32] {
        self.material[..32].try_into().unwrap_or(&[0; 32])
    }

    fn iv(&self) -> &[u8; 16] {
        self.material[32..48].try_into().unwrap_or(&[0; 16])
    }

    fn mac_key(&self) -> &[u8] {
        &self.material[48..]
    }
}

/// The Argon2 lines of an encrypted file.
struct Argon2Params {
    flavour: String,
    memory: u32,
    passes: u32,
    parallelism: u32,
    salt: Vec<u8>,
}

/// The MAC of manual C.3: HMAC-SHA-256 over the algorithm name, the
/// encryption name, the comment, the public blob and the private blob
/// (decrypted, padding included), each as an SSH `string`.
fn mac(
    key: &[u8],
    algorithm: &str,
    encryption: &str,
    comment: &str,
    public: &[u8],
    private: &[u8],
) -> Option<[u8; 32]> {
    // Sized for all five strings, so it never reallocates (a reallocation
    // would leave an unwiped copy of the private blob behind).
    let mut data = Zeroizing::new(Vec::with_capacity(
        public.len() + private.len() + algorithm.len() + encryption.len() + comment.len() + 20,
    ));
    put_string(&mut data, algorithm.as_bytes());
    put_string(&mut data, encryption.as_bytes());
    put_string(&mut data, comment.as_bytes());
    put_string(&mut data, public);
    put_string(&mut data, private);
    // HMAC takes keys of any length (RFC 2104 section 2): this never fails.
    let mut h = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
    h.update(&data);
    Some(h.finalize().into_bytes().into())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn push_base64_lines(out: &mut String, key: &str, bytes: &[u8]) {
    let b64 = Zeroizing::new(Base64::encode_string(bytes));
    let lines = b64.len().div_ceil(LINE);
    out.push_str(&format!("{key}: {lines}\n"));
    for chunk in b64.as_bytes().chunks(LINE) {
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
}

/// Lays out a PPK v3 file; encrypted with Argon2id and AES-256-CBC when
/// `passphrase` is given (an empty passphrase writes an unencrypted file,
/// as puttygen does).
pub(super) fn encode(
    algorithm: &str,
    comment: &str,
    public: &[u8],
    private: &[u8],
    passphrase: Option<&[u8]>,
) -> Result<Zeroizing<String>> {
    if comment.contains(['\r', '\n']) {
        return Err(Error::Encryption("a ppk comment cannot hold a line break"));
    }
    let passphrase = passphrase.filter(|p| !p.is_empty());
    // Base64 takes 4/3 of the bytes, plus a newline per 64 characters and
    // the headers: twice the bytes and the comment is room enough, so the
    // text never reallocates with key material in it.
    let mut out = Zeroizing::new(String::with_capacity(
        2 * (public.len() + private.len() + comment.len()) + 1024,
    ));
    let encryption = if passphrase.is_some() {
        "aes256-cbc"
    } else {
        "none"
    };
    out.push_str(&format!(
        "{HEADER}{algorithm}\nEncryption: {encryption}\nComment: {comment}\n"
    ));
    push_base64_lines(&mut out, "Public-Lines", public);
    let tag;
    match passphrase {
        None => {
            tag = mac(&[], algorithm, encryption, comment, public, private)
                .ok_or(Error::Encryption("hmac-sha-256 refused its key"))?;
            push_base64_lines(&mut out, "Private-Lines", private);
        }
        Some(passphrase) => {
            let salt = random::<16>()?;
            let kdf = Argon2Params {
                flavour: "Argon2id".into(),
                memory: PPK_ARGON2_MEMORY_KIB,
                passes: PPK_ARGON2_PASSES,
                parallelism: 1,
                salt: salt.to_vec(),
            };
            let keys = Keys::derive(passphrase, &kdf)
                .map_err(|_| Error::Encryption("argon2 key derivation failed"))?;
            // Padded to the cipher's 16-byte block with random bytes
            // (manual C.3: "padded ... with arbitrary data").
            let padded_len = private.len().div_ceil(16) * 16;
            let mut buf = Zeroizing::new(vec![0u8; padded_len]);
            buf[..private.len()].copy_from_slice(private);
            getrandom::fill(&mut buf[private.len()..]).map_err(Error::rng)?;
            tag = mac(keys.mac_key(), algorithm, encryption, comment, public, &buf)
                .ok_or(Error::Encryption("hmac-sha-256 refused its key"))?;
            cbc::Encryptor::<aes::Aes256>::new(keys.cipher_key().into(), keys.iv().into())
                .encrypt_padded::<NoPadding>(&mut buf, padded_len)
                .map_err(|_| Error::Encryption("aes-256-cbc failed"))?;
            out.push_str(&format!(
                "Key-Derivation: Argon2id\nArgon2-Memory: {}\nArgon2-Passes: {}\nArgon2-Parallelism: 1\nArgon2-Salt: {}\n",
                kdf.memory,
                kdf.passes,
                hex(&kdf.salt)
            ));
            push_base64_lines(&mut out, "Private-Lines", &buf);
        }
    }
    out.push_str(&format!("Private-MAC: {}\n", hex(&tag)));
    Ok(out)
}

/// The lines of a PPK file, read in order.
struct Lines<'a>(core::str::Lines<'a>);

impl Lines<'_> {
    fn line(&mut self, what: &str) -> core::result::Result<&str, String> {
        self.0
            .next()
            .map(|l| l.trim_end_matches('\r'))
            .ok_or_else(|| format!("the file ends before {what}"))
    }

    /// A `Key: value` line with this key.
    fn field(&mut self, key: &str) -> core::result::Result<String, String> {
        self.line(key)?
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(": "))
            .map(str::to_string)
            .ok_or_else(|| format!("expected a {key} line"))
    }

    /// A `Key: N` line and the N lines of base64 after it.
    fn blob(&mut self, key: &str) -> core::result::Result<Vec<u8>, String> {
        let count = self.field(key)?;
        let count: usize = count
            .parse()
            .ok()
            .filter(|&n| n <= 4096)
            .ok_or_else(|| format!("{key} {count:?} is not a line count"))?;
        // Sized for every line, so it never reallocates with key material.
        let mut b64 = Zeroizing::new(String::with_capacity(count * (LINE + 2)));
        for _ in 0..count {
            b64.push_str(self.line(key)?);
        }
        Base64::decode_vec(&b64).map_err(|_| format!("the base64 after {key} is malformed"))
    }
}

/// A parsed PPK v3 file; the private blob still encrypted when it was.
pub(super) struct PpkFile {
    algorithm: String,
    encryption: String,
    comment: String,
    public: Vec<u8>,
    kdf: Option<Argon2Params>,
    private: Zeroizing<Vec<u8>>,
    mac: Vec<u8>,
}

impl PpkFile {
    /// Parses the text of a PPK v3 file.
    pub(super) fn parse(text: &str) -> core::result::Result<Self, String> {
        let mut lines = Lines(text.lines());
        let algorithm = lines.field("PuTTY-User-Key-File-3").map_err(|_| {
            "only ppk version 3 (PuTTY-User-Key-File-3) is read; convert older files with puttygen"
                .to_string()
        })?;
        let encryption = lines.field("Encryption")?;
        let comment = lines.field("Comment")?;
        let public = lines.blob("Public-Lines")?;
        let kdf = match encryption.as_str() {
            "none" => None,
            "aes256-cbc" => {
                let flavour = lines.field("Key-Derivation")?;
                let number = |v: String, what: &str, max: u32| {
                    v.parse::<u32>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or_else(|| format!("{what} {v:?} out of range"))
                };
                let memory = number(
                    lines.field("Argon2-Memory")?,
                    "Argon2-Memory",
                    MAX_MEMORY_KIB,
                )?;
                let passes = number(lines.field("Argon2-Passes")?, "Argon2-Passes", MAX_PASSES)?;
                let parallelism =
                    number(lines.field("Argon2-Parallelism")?, "Argon2-Parallelism", 64)?;
                let salt = unhex(&lines.field("Argon2-Salt")?).ok_or("Argon2-Salt is not hex")?;
                Some(Argon2Params {
                    flavour,
                    memory,
                    passes,
                    parallelism,
                    salt,
                })
            }
            other => return Err(format!("encryption {other:?} (none or aes256-cbc)")),
        };
        let private = Zeroizing::new(lines.blob("Private-Lines")?);
        let mac = unhex(&lines.field("Private-MAC")?).ok_or("Private-MAC is not hex")?;
        Ok(Self {
            algorithm,
            encryption,
            comment,
            public,
            kdf,
            private,
            mac,
        })
    }

    /// Decrypts (when encrypted) and verifies the MAC; returns the private
    /// blob, padding included.
    pub(super) fn open(
        &self,
        passphrase: Option<&[u8]>,
    ) -> core::result::Result<Zeroizing<Vec<u8>>, DecryptError> {
        let (plain, mac_key) = match &self.kdf {
            None => (self.private.clone(), Zeroizing::new(Vec::new())),
            Some(kdf) => {
                let passphrase = passphrase.ok_or(DecryptError::WrongPassphrase)?;
                let keys = Keys::derive(passphrase, kdf).map_err(DecryptError::Unsupported)?;
                let mut buf = self.private.clone();
                if !buf.len().is_multiple_of(16) {
                    return Err(DecryptError::Malformed(
                        "the private blob is not whole aes blocks".into(),
                    ));
                }
                cbc::Decryptor::<aes::Aes256>::new(keys.cipher_key().into(), keys.iv().into())
                    .decrypt_padded::<NoPadding>(&mut buf)
                    .map_err(|_| DecryptError::Malformed("aes-256-cbc failed".into()))?;
                (buf, Zeroizing::new(keys.mac_key().to_vec()))
            }
        };
        let expected = mac(
            &mac_key,
            &self.algorithm,
            &self.encryption,
            &self.comment,
            &self.public,
            &plain,
        )
        .ok_or_else(|| DecryptError::Malformed("hmac-sha-256 refused its key".into()))?;
        if !bool::from(expected.as_slice().ct_eq(&self.mac)) {
            return Err(if self.kdf.is_some() {
                DecryptError::WrongPassphrase
            } else {
                DecryptError::Malformed(
                    "the private mac does not match: the file was altered".into(),
                )
            });
        }
        Ok(plain)
    }

    /// Runs the key checks on the opened private blob.
    pub(super) fn check(&self, private: &[u8], report: &mut PrivateKeyReport) {
        if self.algorithm != "ssh-rsa" {
            report.push(
                CheckName::KeyType,
                false,
                true,
                format!("the key is {}, not rsa", self.algorithm),
            );
            return;
        }
        let mut public = Reader::new(&self.public);
        let mut private = Reader::new(private);
        let parts = (|| {
            if public.read_string("key type").ok()? != b"ssh-rsa" {
                return None;
            }
            let e = take_mpint(&mut public, "e")?;
            let n = take_mpint(&mut public, "n")?;
            Some(RsaParts {
                n: n.to_vec(),
                e: e.to_vec(),
                d: take_mpint(&mut private, "d")?,
                p: take_mpint(&mut private, "p")?,
                q: take_mpint(&mut private, "q")?,
                iqmp: take_mpint(&mut private, "iqmp")?,
            })
        })();
        match parts {
            Some(parts) => parts.check(report),
            None => report.push(
                CheckName::DerCanonical,
                false,
                true,
                "the ppk's rsa blobs are malformed",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let public = b"\0\0\0\x07ssh-rsapublic".to_vec();
        let private = b"\0\0\0\x05secret".to_vec();
        let plain = encode("ssh-rsa", "me@host", &public, &private, None).unwrap();
        assert!(plain.starts_with("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\n"));
        let file = PpkFile::parse(&plain).unwrap();
        assert_eq!(file.open(None).unwrap().as_slice(), private.as_slice());

        let enc = encode("ssh-rsa", "me@host", &public, &private, Some(b"pass")).unwrap();
        assert!(enc.contains("Encryption: aes256-cbc\n"));
        assert!(enc.contains("Key-Derivation: Argon2id\n"));
        let file = PpkFile::parse(&enc).unwrap();
        let opened = file.open(Some(b"pass")).unwrap();
        assert_eq!(opened.len(), 16);
        assert_eq!(&opened[..private.len()], private.as_slice());
        assert_eq!(
            file.open(Some(b"wrong")),
            Err(DecryptError::WrongPassphrase)
        );

        // A changed comment breaks the MAC.
        let altered = plain.replace("me@host", "me@evil");
        assert!(matches!(
            PpkFile::parse(&altered).unwrap().open(None),
            Err(DecryptError::Malformed(_))
        ));
        assert!(PpkFile::parse("PuTTY-User-Key-File-2: ssh-rsa\n").is_err());
    }
}
