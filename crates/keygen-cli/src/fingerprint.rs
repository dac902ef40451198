//! `keygen fingerprint`: every key of a file, as `ssh-keygen -l -f` reads
//! it — public key lines, authorized_keys lines with options, known_hosts
//! lines — one JSON line per key, with its line number.

use base64ct::{Base64, Encoding};
use keygen_core::{PublicKeyLine, PublicKeyOptions};
use serde_json::{Value, json};

/// The validator's options for fingerprinting: no length bounds of the
/// contract, RSA from 1024 bits (OpenSSH's floor); everything else as the
/// API judges keys, so a refusal carries check-public-key's reason code.
fn options() -> PublicKeyOptions<'static> {
    PublicKeyOptions::api()
        .without_length_bounds()
        .min_rsa_bits(1024)
}

/// Fingerprints every key in `text`. Blank lines and `#` comments are
/// skipped. Returns the exit code (0 when every key line gave a
/// fingerprint, 1 when a line was refused or no key was found) and one
/// JSON object per key line.
pub(crate) fn run(text: &str) -> (u8, Vec<Value>) {
    let mut out = Vec::new();
    let mut code = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let number = i + 1;
        let (prefix, key) = split_key(trimmed);
        match PublicKeyLine::with_options(key, &options()) {
            Ok(k) => {
                let mut v = json!({
                    "line": number,
                    "type": k.key_type().as_str(),
                    "bits": k.bits(),
                    "sha256": k.fingerprint_sha256(),
                    "md5": k.fingerprint_md5(),
                    "comment": k.comment(),
                });
                if let Some(prefix) = prefix {
                    v["prefix"] = json!(prefix);
                }
                out.push(v);
            }
            Err(e) => {
                code = 1;
                out.push(json!({
                    "line": number,
                    "reason": e.name(),
                    "code": e.code(),
                    "message": e.message(),
                }));
            }
        }
    }
    if out.is_empty() {
        out.push(json!({
            "line": null,
            "reason": keygen_core::Reason::PublicKeyMissingData.name(),
            "code": keygen_core::Reason::PublicKeyMissingData.code(),
            "message": "publicKey: no key in the input (only blank lines and comments)",
        }));
        code = 1;
    }
    (code, out)
}

/// Whether `kind data` starts a public key: the base64 decodes to a blob
/// whose leading string is the type (RFC 4253 section 6.6).
fn is_key(kind: &str, data: Option<&str>) -> bool {
    let Some(blob) = data.and_then(|d| Base64::decode_vec(d).ok()) else {
        return false;
    };
    blob.get(..4)
        .and_then(|len| usize::try_from(u32::from_be_bytes([len[0], len[1], len[2], len[3]])).ok())
        .and_then(|len| blob.get(4..4 + len))
        == Some(kind.as_bytes())
}

/// Splits a line into what precedes the key (authorized_keys options, or
/// a known_hosts marker and host patterns) and the key with its comment.
///
/// As ssh-keygen's `do_fingerprint`: a line that starts with a key is
/// taken as it is; otherwise one field is skipped (an `@cert-authority` or
/// `@revoked` marker first, in known_hosts), a field ending at the first
/// blank outside double quotes (`command="a b"`, with `\"` escapes).
fn split_key(line: &str) -> (Option<&str>, &str) {
    let mut tokens = line.split_ascii_whitespace();
    let first = tokens.next().unwrap_or_default();
    if is_key(first, tokens.next()) || looks_like_type(first) {
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

/// A token that names a key type, though its data may be broken: then
/// the line is judged as a key, and the refusal says what is wrong.
fn looks_like_type(token: &str) -> bool {
    keygen_core::KeyType::from_name(token).is_some()
        || token.starts_with("ssh-")
        || token.starts_with("ecdsa-sha2-")
        || token.starts_with("sk-")
        || token.starts_with("rsa-sha2-")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC";

    #[test]
    fn splits_options_and_known_hosts_fields() {
        assert_eq!(split_key(ED), (None, ED));
        let line = format!("command=\"echo a b\",no-pty {ED} me");
        assert_eq!(
            split_key(&line),
            (Some("command=\"echo a b\",no-pty"), &*format!("{ED} me"))
        );
        let line = format!("@cert-authority *.example.com {ED}");
        assert_eq!(
            split_key(&line),
            (Some("@cert-authority *.example.com"), ED)
        );
        let line = format!("host.example,10.0.0.1 {ED}");
        assert_eq!(split_key(&line), (Some("host.example,10.0.0.1"), ED));
    }

    #[test]
    fn every_key_with_its_line_number() {
        let text = format!(
            "# keys\n\n{ED} a\nrestrict,command=\"x y\" {ED} b\r\nssh-rsa !!!\n  \nhost {ED}\n"
        );
        let (code, lines) = run(&text);
        assert_eq!(code, 1);
        let numbers: Vec<_> = lines.iter().map(|v| v["line"].as_u64().unwrap()).collect();
        assert_eq!(numbers, [3, 4, 5, 7]);
        assert_eq!(lines[0]["comment"], "a");
        assert_eq!(lines[1]["comment"], "b");
        assert_eq!(lines[0]["sha256"], lines[1]["sha256"]);
        assert_eq!(lines[2]["reason"], "public_key_base64");
        assert_eq!(lines[2]["code"], 1110);
        assert_eq!(lines[3]["prefix"], "host");
        assert_eq!(run("# only\n\n").0, 1);
    }
}
