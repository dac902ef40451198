//! `keygen check-public-key`: the API's public-key validator, offline, with a JSON report.

use keygen_core::{PublicKeyLine, PublicKeyOptions};
use serde_json::{Value, json};

/// Validates one public key line with the API's policy, except the
/// 512-character minimum (so a bare Ed25519 key can be checked).
///
/// Returns exit code 0 and a report (`publicKey` normalised, `type`,
/// `bits`, `comment`, `fingerprintSha256`, `fingerprintMd5`, `warnings`)
/// when the key is accepted, or exit code 1 and the refusal (`reason`,
/// `code`, `message`, `accepted`) when it is not.
pub(crate) fn run(input: &str) -> (i32, Value) {
    match PublicKeyLine::with_options(input, &PublicKeyOptions::api().without_min_length()) {
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
    use super::run;

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
