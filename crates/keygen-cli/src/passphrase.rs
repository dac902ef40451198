//! Passphrases: read from a file or asked on the terminal with echo off,
//! held in memory that is wiped when dropped, never shown by `Debug`.

use core::fmt;
use std::path::Path;

use zeroize::Zeroizing;

/// A passphrase. Its bytes are zeroized on drop; `Debug` prints only
/// `Passphrase([REDACTED])`. Passphrases never come from the command line,
/// where every user of the machine could read them in the process list.
pub(crate) struct Passphrase(Zeroizing<Vec<u8>>);

impl Passphrase {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The first line of `bytes` (up to a LF, a trailing CR dropped), as
    /// `openssl -passin file:` reads a passphrase file.
    fn first_line(bytes: &[u8]) -> Self {
        let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Self(Zeroizing::new(line.to_vec()))
    }

    /// Reads the first line of a file (`-` for standard input).
    ///
    /// # Errors
    ///
    /// The file cannot be read, or its first line is empty.
    pub(crate) fn from_file(path: &Path) -> Result<Self, String> {
        let bytes = crate::read_input(&path.to_string_lossy())?;
        let pass = Self::first_line(&bytes);
        if pass.0.is_empty() {
            return Err(format!(
                "the passphrase file {} is empty; use --no-passphrase for no passphrase",
                path.display()
            ));
        }
        Ok(pass)
    }

    /// Asks on the terminal, echo off.
    fn prompt(text: &str) -> Result<Self, String> {
        let line = Zeroizing::new(
            rpassword::prompt_password(text)
                .map_err(|e| format!("cannot read a passphrase from the terminal: {e}"))?,
        );
        Ok(Self(Zeroizing::new(line.as_bytes().to_vec())))
    }

    /// Asks twice for the passphrase of a new key, as ssh-keygen does;
    /// `None` when both answers are empty (no passphrase).
    ///
    /// # Errors
    ///
    /// The terminal cannot be read, or the two answers differ.
    pub(crate) fn prompt_new() -> Result<Option<Self>, String> {
        let first = Self::prompt("Enter passphrase (empty for no passphrase): ")?;
        let second = Self::prompt("Enter same passphrase again: ")?;
        if first.0 != second.0 {
            return Err("the passphrases do not match; nothing written".into());
        }
        Ok((!first.0.is_empty()).then_some(first))
    }

    /// Asks once for the passphrase of an existing key.
    ///
    /// # Errors
    ///
    /// The terminal cannot be read.
    pub(crate) fn prompt_existing(name: &str) -> Result<Self, String> {
        Self::prompt(&format!("Enter passphrase for {name}: "))
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::Passphrase;

    #[test]
    fn debug_never_shows_the_passphrase() {
        let pass = Passphrase::first_line(b"hunter2-correct-horse\r\nsecond line\n");
        assert_eq!(pass.as_bytes(), b"hunter2-correct-horse");
        let shown = format!("{pass:?} {pass:#?} {:?}", Some(&pass));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }

    #[test]
    fn first_line_only() {
        assert_eq!(Passphrase::first_line(b"abc").as_bytes(), b"abc");
        assert_eq!(Passphrase::first_line(b"abc\n").as_bytes(), b"abc");
        assert_eq!(Passphrase::first_line(b"\nabc").as_bytes(), b"");
        assert_eq!(Passphrase::first_line(b"").as_bytes(), b"");
    }

    #[test]
    fn empty_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        std::fs::write(&path, "\n").unwrap();
        let err = Passphrase::from_file(&path).unwrap_err();
        assert!(err.contains("--no-passphrase"), "{err}");
        std::fs::write(&path, "s3cret\n").unwrap();
        assert_eq!(Passphrase::from_file(&path).unwrap().as_bytes(), b"s3cret");
    }
}
