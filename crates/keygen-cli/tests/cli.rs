//! The `keygen` binary as a shell user drives it: output, files, exit codes.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

fn keygen(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keygen"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not json ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn generate_prints_api_json_lines_that_check_as_sound() {
    let out = keygen(&["generate", "--count", "2"], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let a: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let b: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_ne!(a["privateKey"], b["privateKey"]);
    let public = a["publicKey"].as_str().unwrap();
    assert_eq!(public.len(), 724);
    assert!(a["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
    assert_eq!(a.as_object().unwrap().len(), 3);

    // check-private-key on the API's privateKey, through stdin.
    let private = a["privateKey"].as_str().unwrap();
    let out = keygen(&["check-private-key", "-"], private.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["sound"], true);
    assert_eq!(report["publicKey"].as_str(), Some(public));
    assert_eq!(report["fingerprint"], a["fingerprint"]);
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);

    // fingerprint of the public key line.
    let out = keygen(&["fingerprint"], format!("{public} comment\n").as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["sha256"], a["fingerprint"]);
}

#[test]
fn check_private_key_names_the_seed_examples_flaw() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../keygen-core/tests/data/seed-example-private-key.txt"
    );
    let out = keygen(&["check-private-key", seed], b"");
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["sound"], false);
    let failed: Vec<&str> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(failed.contains(&"n_equals_pq"), "{failed:?}");
}

#[test]
fn unreadable_input_exits_2_and_garbage_exits_1() {
    let out = keygen(&["check-private-key", "/nonexistent/key"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    // Input in no format keygen reads is not a failed check: exit 2, and a
    // message naming the formats read.
    let out = keygen(&["check-private-key"], b"hello");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("formats read"));
    assert!(out.stdout.is_empty());
    let out = keygen(&["check-private-key"], b"");
    assert_eq!(out.status.code(), Some(2));
    // Base64 of bytes that are no key structure: unreadable too.
    let out = keygen(&["check-private-key"], b"aGVsbG8gd29ybGQ=");
    assert_eq!(out.status.code(), Some(2));
    // A PPK file of version 2 and a broken OpenSSH armour: unreadable.
    for text in [
        "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\n",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    ] {
        let out = keygen(&["check-private-key"], text.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("putty ppk v3"));
    }
    // Binary input that is no DER key: unreadable as well.
    let out = keygen(&["check-private-key"], b"\xff\x00binary");
    assert_eq!(out.status.code(), Some(2));
    let out = keygen(&["fingerprint"], b"ssh-rsa !!!");
    assert_eq!(out.status.code(), Some(1));
    let out = keygen(&["fingerprint", "/nonexistent"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = keygen(&["generate", "--count", "0"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generate_out_writes_ssh_files_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("keys");
    let t = target.to_str().unwrap();
    let out = keygen(
        &["generate", "--out", t, "--comment", "deploy@example"],
        b"",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let private = target.join("id_rsa");
    let public = target.join("id_rsa.pub");
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let pub_line = std::fs::read_to_string(&public).unwrap();
    assert!(pub_line.starts_with("ssh-rsa ") && pub_line.ends_with(" deploy@example\n"));
    assert!(
        std::fs::read_to_string(&private)
            .unwrap()
            .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
    );
    // ssh-keygen reads the private key file back to the same public key.
    let derived = Command::new("ssh-keygen")
        .args(["-y", "-f"])
        .arg(&private)
        .output()
        .unwrap();
    assert!(derived.status.success());
    let derived = String::from_utf8(derived.stdout).unwrap();
    assert_eq!(
        derived.split_whitespace().take(2).collect::<Vec<_>>(),
        pub_line.split_whitespace().take(2).collect::<Vec<_>>()
    );
    // A second run refuses to clobber the key.
    let before = std::fs::read(&private).unwrap();
    let out = keygen(&["generate", "--out", t], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not overwriting"));
    assert_eq!(std::fs::read(&private).unwrap(), before);
}

const ED25519: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO3DtkUX66CKs8/HPazTBfgykWRmxBjyie4TP3z+ZOPC me@host";

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn check_public_key_gives_the_api_verdict_unless_any_length() {
    let line = format!("{ED25519}\n");
    let out = keygen(&["check-public-key"], line.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let v = json_lines(&out);
    assert_eq!(v[0]["reason"], "public_key_too_short");
    assert_eq!(v[0]["code"], 1100);
    let out = keygen(&["check-public-key", "--any-length"], line.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out)[0]["type"], "ssh-ed25519");

    // Several keys: one verdict per key line, with its line number.
    let text = format!("# keys\n{ED25519}\n\nssh-dss AAAAB3NzaC1kc3M=\n{ED25519} two\n");
    let out = keygen(&["check-public-key", "--any-length"], text.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let v = json_lines(&out);
    let lines: Vec<_> = v.iter().map(|x| x["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 4, 5]);
    assert_eq!(v[1]["reason"], "public_key_dsa");
    assert_eq!(v[2]["comment"], "me@host two");
}

#[test]
fn fingerprint_reads_every_key_and_uses_reason_codes() {
    let text = format!("# c\n\nrestrict {ED25519}\nssh-ed25519 AAAA\n{ED25519}\n");
    let out = keygen(&["fingerprint"], text.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let v = json_lines(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["line"], 3);
    assert_eq!(v[0]["sha256"], v[2]["sha256"]);
    assert_eq!(v[1]["line"], 4);
    assert!(v[1]["code"].as_u64().unwrap() >= 1100, "{}", v[1]);
    assert!(v[1]["reason"].as_str().unwrap().starts_with("public_key_"));
    let out = keygen(&["fingerprint"], b"# nothing here\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["reason"], "public_key_missing_data");
}

#[test]
fn completions_and_man_page() {
    let out = keygen(&["completions", "bash"], b"");
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("_keygen()") && script.contains("check-public-key"));
    assert!(script.contains("--passphrase-file"));
    // bash parses it, and registers the completion.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keygen.bash");
    std::fs::write(&path, &script).unwrap();
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p keygen", path.display()))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    assert!(String::from_utf8_lossy(&status.stdout).contains("_keygen"));

    let zsh = keygen(&["completions", "zsh"], b"");
    assert!(String::from_utf8_lossy(&zsh.stdout).starts_with("#compdef keygen"));
    let fish = keygen(&["completions", "fish"], b"");
    assert!(String::from_utf8_lossy(&fish.stdout).contains("complete -c keygen"));
    let out = keygen(&["completions", "powershell"], b"");
    assert_eq!(out.status.code(), Some(2));

    let man = keygen(&["man"], b"");
    assert_eq!(man.status.code(), Some(0));
    let page = String::from_utf8(man.stdout).unwrap();
    assert!(
        page.starts_with(".ie ") || page.contains(".TH keygen"),
        "{page}"
    );
    assert!(page.contains(".TH keygen 1"));
    assert!(page.contains("check\\-private\\-key"));
    assert!(page.contains("fingerprint"));
}
