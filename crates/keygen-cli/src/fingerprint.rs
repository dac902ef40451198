//! `keygen fingerprint`: every key of a file, as `ssh-keygen -l -f` reads
//! it — public key lines, authorized_keys lines with options, known_hosts
//! lines — one JSON line per key, with its line number.

use keygen_core::{PublicKeyLine, PublicKeyOptions, split_key_line};
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
        // keygen-core finds the key after authorized_keys options or
        // known_hosts fields, as ssh-keygen does.
        let (prefix, key) = split_key_line(trimmed);
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

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC";

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
