//! `keygen check-public-key`: the API's public-key validator, offline, with a JSON report.

use keygen_core::{PublicKeyLine, PublicKeyOptions};
use serde_json::{Value, json};

/// Validates every key line of `text` (blank lines and `#` comments
/// skipped), one verdict per line, each with its `line` number: the API's
/// verdict, 512-character minimum included, unless `any_length` (then the
/// key alone is judged, as [`run`] does). Text without a key line (only
/// blank lines and comments) gets one verdict: no key. Exit code 0 when every line
/// is accepted, 1 otherwise.
pub(crate) fn run_lines(text: &str, any_length: bool) -> (u8, Vec<Value>) {
    let verdict = |input: &str| {
        if any_length {
            run(input)
        } else {
            judge(input, &PublicKeyOptions::api())
        }
    };
    let mut code = 0;
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (c, mut report) = verdict(line);
        report["line"] = json!(i + 1);
        code = code.max(c);
        out.push(report);
    }
    if out.is_empty() {
        let (c, report) = verdict("");
        code = c;
        out.push(report);
    }
    (u8::try_from(code).unwrap_or(2), out)
}

/// Validates one public key line with the API's policy, except the
/// 512-character minimum (so a bare Ed25519 key can be checked), and with
/// the prime-modulus test the API leaves out for its cost (a few
/// milliseconds are nothing for one key checked offline).
///
/// Returns exit code 0 and a report (`publicKey` normalised, `type`,
/// `bits`, `comment`, `fingerprintSha256`, `fingerprintMd5`, `warnings`)
/// when the key is accepted, or exit code 1 and the refusal (`reason`,
/// `code`, `message`, `accepted`) when it is not.
pub(crate) fn run(input: &str) -> (i32, Value) {
    judge(
        input,
        &PublicKeyOptions::api()
            .without_min_length()
            .prime_modulus_check(true),
    )
}

fn judge(input: &str, options: &PublicKeyOptions<'_>) -> (i32, Value) {
    match PublicKeyLine::with_options(input, options) {
        Ok(key) => (
            0,
            json!({
                "publicKey": key.as_str(),
                "type": key.key_type().as_str(),
                "bits": key.bits(),
                "comment": key.comment(),
                "fingerprintSha256": key.fingerprint_sha256(),
                "fingerprintMd5": key.fingerprint_md5(),
                "warnings": key
                    .warnings()
                    .iter()
                    .map(|w| json!({ "name": w.name(), "message": w.message() }))
                    .collect::<Vec<_>>(),
            }),
        ),
        Err(e) => (
            1,
            json!({
                "reason": e.name(),
                "code": e.code(),
                "message": e.message(),
                "accepted": e.accepted(),
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{run, run_lines};

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC";

    #[test]
    fn api_verdict_by_default_and_one_verdict_per_line() {
        let (code, lines) = run_lines(&format!("{ED} me\n"), false);
        assert_eq!(code, 1);
        assert_eq!(lines[0]["reason"], "public_key_too_short");
        assert_eq!(lines[0]["code"], 1100);
        assert_eq!(lines[0]["line"], 1);
        let (code, lines) = run_lines(&format!("{ED} me\n"), true);
        assert_eq!(code, 0, "{lines:?}");

        let text = format!("# team keys\n\n{ED} a\r\nssh-dss AAAAB3NzaC1kc3M=\n{ED} b");
        let (code, lines) = run_lines(&text, true);
        assert_eq!(code, 1);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["line"], 3);
        assert_eq!(lines[0]["comment"], "a");
        assert_eq!(lines[1]["line"], 4);
        assert_eq!(lines[1]["reason"], "public_key_dsa");
        assert_eq!(lines[2]["line"], 5);
        assert_eq!(lines[2]["comment"], "b");
        // No key line at all: the validator's verdict on the input.
        for text in ["", "# only a comment\n\n"] {
            let (code, lines) = run_lines(text, false);
            assert_eq!(code, 1);
            assert_eq!(lines[0]["reason"], "public_key_missing_data");
        }
    }

    #[test]
    fn accepts_and_reports() {
        let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC  me@host\n";
        let (code, report) = run(line);
        assert_eq!(code, 0, "{report}");
        assert_eq!(report["type"], "ssh-ed25519");
        assert_eq!(report["bits"], 256);
        assert_eq!(report["comment"], "me@host");
        assert_eq!(
            report["publicKey"],
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC me@host"
        );
        assert!(
            report["fingerprintSha256"]
                .as_str()
                .unwrap()
                .starts_with("SHA256:")
        );
        assert_eq!(report["warnings"], serde_json::json!([]));
    }

    #[test]
    fn refuses_with_reason_and_code() {
        let (code, report) = run("ssh-dss AAAAB3NzaC1kc3M=");
        assert_eq!(code, 1);
        assert_eq!(report["reason"], "public_key_dsa");
        assert_eq!(report["code"], 1106);
        assert!(
            report["message"]
                .as_str()
                .unwrap()
                .starts_with("publicKey: ")
        );
        assert!(!report["accepted"].as_str().unwrap().is_empty());
    }
}
