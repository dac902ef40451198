//! `keygen generate` into files: the private key in the chosen format (mode
//! 0600) and `FILE.pub`, never over an existing file, never half-written.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use keygen_core::{GenerateOptions, RsaKeyPair};
use serde_json::json;
use zeroize::Zeroizing;

use crate::passphrase::Passphrase;

/// The private key's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// OpenSSH private-key file (as ssh-keygen writes), encrypted with
    /// bcrypt-pbkdf and aes256-ctr when a passphrase is given.
    Openssh,
    /// PKCS#8 PEM (`PRIVATE KEY`), or PBES2-encrypted (`ENCRYPTED PRIVATE
    /// KEY`: PBKDF2-HMAC-SHA256, AES-256-CBC) with a passphrase.
    Pkcs8,
    /// PKCS#1 PEM (`RSA PRIVATE KEY`); cannot be encrypted.
    Pkcs1,
    /// The API's create response as one JSON line (publicKey, privateKey,
    /// fingerprint); cannot be encrypted.
    ApiJson,
    /// PuTTY PPK version 3, encrypted with Argon2id and AES-256-CBC when a
    /// passphrase is given.
    Ppk,
}

impl Format {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Openssh => "openssh",
            Self::Pkcs8 => "pkcs8",
            Self::Pkcs1 => "pkcs1",
            Self::ApiJson => "api-json",
            Self::Ppk => "ppk",
        }
    }

    /// Whether this format can carry a passphrase.
    pub(crate) fn encrypts(self) -> bool {
        matches!(self, Self::Openssh | Self::Pkcs8 | Self::Ppk)
    }
}

/// Where the key pair goes: `--out DIR` (DIR/id_rsa) or `-f FILE`.
#[derive(Debug)]
pub(crate) struct Destination {
    pub(crate) private: PathBuf,
    pub(crate) public: PathBuf,
}

impl Destination {
    /// `DIR/id_rsa` and `DIR/id_rsa.pub`; DIR is created (mode 0700) if
    /// missing.
    pub(crate) fn in_dir(dir: &Path) -> Result<Self, String> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self {
            private: dir.join("id_rsa"),
            public: dir.join("id_rsa.pub"),
        })
    }

    /// `FILE` and `FILE.pub`, as `ssh-keygen -f FILE` names them.
    pub(crate) fn file(file: &Path) -> Self {
        let mut public = file.as_os_str().to_owned();
        public.push(".pub");
        Self {
            private: file.to_path_buf(),
            public: PathBuf::from(public),
        }
    }

    /// Refuses to go on when either file exists (a dangling symlink too).
    pub(crate) fn check_free(&self) -> Result<(), String> {
        for path in [&self.private, &self.public] {
            if fs::symlink_metadata(path).is_ok() {
                return Err(format!("{} exists; not overwriting it", path.display()));
            }
        }
        Ok(())
    }
}

/// Generates one key pair and writes it to `dest`.
pub(crate) fn generate(
    dest: &Destination,
    format: Format,
    comment: &str,
    passphrase: Option<&Passphrase>,
    options: &GenerateOptions,
) -> Result<u8, String> {
    dest.check_free()?;
    let key = RsaKeyPair::generate_os_with(options).map_err(|e| e.to_string())?;
    let public = key.public_key();
    let pass = passphrase.map(Passphrase::as_bytes);
    let private: Zeroizing<String> = match (format, pass) {
        (Format::Openssh, None) => key.to_openssh(comment),
        (Format::Openssh, Some(p)) => key.to_openssh_encrypted(comment, p),
        (Format::Pkcs8, None) => key.to_pkcs8_pem(),
        (Format::Pkcs8, Some(p)) => key.to_pkcs8_encrypted_pem(p),
        (Format::Pkcs1, _) => key.to_pkcs1_pem(),
        (Format::Ppk, p) => key.to_ppk(comment, p),
        (Format::ApiJson, _) => key.to_encoded().map(|enc| {
            let mut line = Zeroizing::new(Vec::with_capacity(128 + enc.private_key().len() * 2));
            let _ = serde_json::to_writer(
                &mut *line,
                &crate::GeneratedLine {
                    public_key: enc.public_key(),
                    private_key: enc.private_key(),
                    fingerprint: enc.fingerprint(),
                },
            );
            line.push(b'\n');
            Zeroizing::new(String::from_utf8_lossy(&line).into_owned())
        }),
    }
    .map_err(|e| e.to_string())?;
    let public_line = if comment.is_empty() {
        format!("{}\n", public.to_openssh())
    } else {
        format!("{} {comment}\n", public.to_openssh())
    };
    write_new(&dest.private, 0o600, private.as_bytes())?;
    if let Err(e) = write_new(&dest.public, 0o644, public_line.as_bytes()) {
        // The private file is the one this run just created: take it back
        // so no half key pair is left.
        let _ = fs::remove_file(&dest.private);
        return Err(e);
    }
    crate::print_lines(&[json!({
            "privateKeyFile": dest.private.display().to_string(),
            "publicKeyFile": dest.public.display().to_string(),
            "format": format.name(),
            "encrypted": pass.is_some_and(|p| !p.is_empty()) && format.encrypts(),
            "publicKey": public.to_openssh(),
            "fingerprint": public.sha256_fingerprint(),
    })])?;
    Ok(0)
}

/// Writes a file that must not exist yet, all or nothing: the bytes go to a
/// temporary file in the same directory (created with `mode`, so a private
/// key is never readable by others), are synced, and the temporary file is
/// hard-linked to its name, which fails rather than replace a file that
/// appeared meanwhile (link(2) never overwrites; rename(2) would). A failure
/// at any step removes the temporary file.
fn write_new(path: &Path, mode: u32, bytes: &[u8]) -> Result<(), String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| format!("random number generator failed: {e}"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{:016x}", u64::from_le_bytes(nonce)));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        fs::hard_link(&tmp, path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!("{} exists; not overwriting it", path.display())
            } else {
                format!("cannot create {}: {e}", path.display())
            }
        })?;
        // The name is durable once the directory is synced.
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    let _ = fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_overwrites_and_leaves_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        write_new(&path, 0o600, b"one").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let err = write_new(&path, 0o600, b"two").unwrap_err();
        assert!(err.contains("not overwriting"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"one");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "a temporary file was left: {names:?}");
        // A directory that does not exist: an error, nothing created.
        assert!(write_new(&dir.path().join("no/such/k"), 0o600, b"x").is_err());
    }

    #[test]
    fn file_names_follow_ssh_keygen() {
        let d = Destination::file(Path::new("/tmp/x/deploy"));
        assert_eq!(d.private, Path::new("/tmp/x/deploy"));
        assert_eq!(d.public, Path::new("/tmp/x/deploy.pub"));
    }
}
