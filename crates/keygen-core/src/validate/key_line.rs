//! Where the key starts in a line of an authorized_keys or known_hosts file,
//! as `ssh-keygen -l -f` finds it; the key itself is then judged by
//! [`PublicKeyLine`](super::PublicKeyLine).

use base64ct::{Base64, Encoding};

use super::key_type::looks_like_key_type;
use crate::ssh::blob_key_type;

/// Whether `kind data` starts a public key: the base64 decodes to a blob
/// whose leading string is the type (RFC 4253 section 6.6).
fn is_key(kind: &str, data: Option<&str>) -> bool {
    let Some(blob) = data.and_then(|d| Base64::decode_vec(d).ok()) else {
        return false;
    };
    blob_key_type(&blob) == Some(kind.as_bytes())
}

/// Splits a line into what precedes the key (authorized_keys options, or a
/// known_hosts marker and host patterns) and the key with its comment. The
/// line is expected without its line terminator and surrounding blanks.
///
/// As ssh-keygen's `do_fingerprint`: a line that starts with a key, or with
/// a token naming a key type (then the key is judged, and its refusal says
/// what is wrong), is taken as it is; otherwise one field is skipped (an
/// `@cert-authority` or `@revoked` marker first, in known_hosts), a field
/// ending at the first blank outside double quotes (`command="a b"`, with
/// `\"` escapes).
///
/// The CLI's `keygen fingerprint` reads files with it; it is not part of
/// the stable API.
#[doc(hidden)]
#[must_use]
pub fn split_key_line(line: &str) -> (Option<&str>, &str) {
    let mut tokens = line.split_ascii_whitespace();
    let first = tokens.next().unwrap_or_default();
    if is_key(first, tokens.next()) || looks_like_key_type(first) {
        return (None, line);
    }
    let mut rest = line;
    let mut start = 0;
    if first.starts_with('@') {
        rest = rest[first.len()..].trim_start_matches([' ', '\t']);
        start = line.len() - rest.len();
    }
    let mut quoted = false;
    let mut escaped = false;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if !quoted && (c == ' ' || c == '\t') {
            end = i;
            break;
        }
    }
    let key = rest[end..].trim_start_matches([' ', '\t']);
    let prefix = &line[..start + end];
    (Some(prefix), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC";

    #[test]
    fn splits_options_and_known_hosts_fields() {
        assert_eq!(split_key_line(ED), (None, ED));
        let line = format!("command=\"echo a b\",no-pty {ED} me");
        assert_eq!(
            split_key_line(&line),
            (Some("command=\"echo a b\",no-pty"), &*format!("{ED} me"))
        );
        let line = format!("@cert-authority *.example.com {ED}");
        assert_eq!(
            split_key_line(&line),
            (Some("@cert-authority *.example.com"), ED)
        );
        let line = format!("host.example,10.0.0.1 {ED}");
        assert_eq!(split_key_line(&line), (Some("host.example,10.0.0.1"), ED));
        // A type with broken data is still the key: its refusal explains.
        assert_eq!(split_key_line("ssh-rsa !!!"), (None, "ssh-rsa !!!"));
        // An unknown type whose blob names it is a key too.
        let mut blob = vec![0, 0, 0, 5];
        blob.extend_from_slice(b"x-key");
        let line = format!("x-key {}", Base64::encode_string(&blob));
        assert_eq!(split_key_line(&line), (None, &*line));
        assert_eq!(split_key_line("x-key AAAA"), (Some("x-key"), "AAAA"));
    }
}
