//! Key files of `keygen generate` against the real tools: `ssh-keygen`,
//! `openssl`, PuTTY's `puttygen`; `keygen fingerprint` against
//! `ssh-keygen -l -f`; passphrase prompts driven in a pseudo-terminal.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const KEYGEN: &str = env!("CARGO_BIN_EXE_keygen");
const PASS: &str = "correct horse battery staple";

fn keygen(args: &[&str]) -> Output {
    let mut child = Command::new(KEYGEN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout {}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The first two fields (type and base64) of a public key line.
fn key_of(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

struct Dir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
    pass: PathBuf,
    wrong: PathBuf,
}

fn dir() -> Dir {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().to_path_buf();
    let pass = path.join("pass");
    std::fs::write(&pass, format!("{PASS}\n")).unwrap();
    let wrong = path.join("wrong");
    std::fs::write(&wrong, "not it\n").unwrap();
    Dir {
        _tmp: tmp,
        path,
        pass,
        wrong,
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn encrypted_openssh_opens_with_ssh_keygen_and_refuses_the_empty_passphrase() {
    let d = dir();
    let key = d.path.join("deploy");
    let out = ok(&keygen(&[
        "generate",
        "-f",
        s(&key),
        "--passphrase-file",
        s(&d.pass),
        "-C",
        "deploy@example",
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["encrypted"], true);
    assert_eq!(report["format"], "openssh");
    assert_eq!(mode(&key), 0o600);
    let public = std::fs::read_to_string(d.path.join("deploy.pub")).unwrap();
    assert!(public.ends_with(" deploy@example\n"));

    let derived = tool("ssh-keygen", &["-y", "-P", PASS, "-f", s(&key)]);
    assert_eq!(key_of(&ok(&derived)), key_of(&public));
    let refused = tool("ssh-keygen", &["-y", "-P", "", "-f", s(&key)]);
    assert!(!refused.status.success(), "opened without the passphrase");
    let refused = tool("ssh-keygen", &["-y", "-P", "not it", "-f", s(&key)]);
    assert!(!refused.status.success());

    // keygen opens it too; a wrong passphrase is exit 2 and says so.
    let out = keygen(&[
        "check-private-key",
        "--passphrase-file",
        s(&d.pass),
        s(&key),
    ]);
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(report["sound"], true);
    assert_eq!(report["format"], "Openssh");
    assert_eq!(
        report["publicKey"].as_str().unwrap(),
        key_of(&public).as_str()
    );
    let out = keygen(&[
        "check-private-key",
        "--passphrase-file",
        s(&d.wrong),
        s(&key),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    // Without a passphrase and without a terminal: exit 2, not a check.
    let out = keygen(&["check-private-key", s(&key)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
}

#[test]
fn encrypted_pkcs8_opens_with_openssl_pkey() {
    let d = dir();
    let key = d.path.join("k.pem");
    ok(&keygen(&[
        "generate",
        "-f",
        s(&key),
        "--format",
        "pkcs8",
        "--passphrase-file",
        s(&d.pass),
    ]));
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    let passin = format!("file:{}", s(&d.pass));
    let plain = d.path.join("plain.pem");
    ok(&tool(
        "openssl",
        &[
            "pkey",
            "-in",
            s(&key),
            "-passin",
            &passin,
            "-out",
            s(&plain),
        ],
    ));
    let wrong = format!("file:{}", s(&d.wrong));
    assert!(
        !tool(
            "openssl",
            &["pkey", "-in", s(&key), "-passin", &wrong, "-noout"]
        )
        .status
        .success()
    );
    let bad_empty = tool(
        "openssl",
        &["pkey", "-in", s(&key), "-passin", "pass:", "-noout"],
    );
    assert!(!bad_empty.status.success());
    // What openssl decrypted is our key: same public key, sound.
    let public = std::fs::read_to_string(d.path.join("k.pem.pub")).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&ok(&keygen(&["check-private-key", s(&plain)]))).unwrap();
    assert_eq!(report["sound"], true);
    assert_eq!(
        report["publicKey"].as_str().unwrap(),
        key_of(&public).as_str()
    );
    // And keygen opens its own encrypted file.
    let report: serde_json::Value = serde_json::from_str(&ok(&keygen(&[
        "check-private-key",
        "--passphrase-file",
        s(&d.pass),
        s(&key),
    ])))
    .unwrap();
    assert_eq!(report["format"], "EncryptedPkcs8Pem");
    assert_eq!(report["sound"], true);
}

#[test]
fn pkcs1_and_api_json_files_are_plain_and_refuse_a_passphrase() {
    let d = dir();
    let key = d.path.join("rsa.pem");
    let out = keygen(&[
        "generate",
        "-f",
        s(&key),
        "--format",
        "pkcs1",
        "--passphrase-file",
        s(&d.pass),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be encrypted"));
    assert!(
        !key.exists(),
        "nothing is written when the request is refused"
    );

    ok(&keygen(&["generate", "-f", s(&key), "--format", "pkcs1"]));
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----\n")
    );
    ok(&tool(
        "openssl",
        &["rsa", "-in", s(&key), "-check", "-noout"],
    ));

    let json = d.path.join("key.json");
    ok(&keygen(&[
        "generate",
        "-f",
        s(&json),
        "--format",
        "api-json",
    ]));
    assert_eq!(mode(&json), 0o600);
    let line: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(line.as_object().unwrap().len(), 3);
    let private = line["privateKey"].as_str().unwrap();
    assert!(private.starts_with("MII"));
}

#[test]
fn ppk_opens_with_puttygen_both_ways() {
    let d = dir();
    // Ours, plain and encrypted, read by puttygen.
    for (name, pass) in [("plain.ppk", None), ("enc.ppk", Some(&d.pass))] {
        let key = d.path.join(name);
        let mut args = vec![
            "generate",
            "-f",
            s(&key),
            "--format",
            "ppk",
            "-C",
            "putty@example",
        ];
        match pass {
            Some(p) => args.extend(["--passphrase-file", s(p)]),
            None => args.push("--no-passphrase"),
        }
        ok(&keygen(&args));
        let public = std::fs::read_to_string(d.path.join(format!("{name}.pub"))).unwrap();
        let mut putty = vec![s(&key), "-L"];
        if let Some(p) = pass {
            putty.extend(["--old-passphrase", s(p)]);
        }
        let line = ok(&tool("puttygen", &putty));
        assert_eq!(key_of(&line), key_of(&public), "{name}");
        assert!(line.trim_end().ends_with("putty@example"), "{line}");
        // puttygen decrypts it (the MAC checks) into an OpenSSH key that
        // ssh-keygen reads back to the same public key.
        let exported = d.path.join(format!("{name}.openssh"));
        let mut export = vec![s(&key), "-O", "private-openssh", "-o", s(&exported)];
        if let Some(p) = pass {
            export.extend(["--old-passphrase", s(p)]);
        }
        ok(&tool("puttygen", &export));
        std::fs::set_permissions(&exported, std::fs::Permissions::from_mode(0o600)).unwrap();
        // (puttygen keeps the passphrase on the exported key.)
        let exported_pass = if pass.is_some() { PASS } else { "" };
        let derived = ok(&tool(
            "ssh-keygen",
            &["-y", "-P", exported_pass, "-f", s(&exported)],
        ));
        assert_eq!(key_of(&derived), key_of(&public), "{name}");
        if pass.is_some() {
            let wrong = tool(
                "puttygen",
                &[
                    s(&key),
                    "-O",
                    "private-openssh",
                    "-o",
                    s(&d.path.join("never")),
                    "--old-passphrase",
                    s(&d.wrong),
                ],
            );
            assert!(
                !wrong.status.success(),
                "puttygen opened it with a wrong passphrase"
            );
        }
        // keygen reads its own file back.
        let mut check = vec!["check-private-key", s(&key)];
        if let Some(p) = pass {
            check.extend(["--passphrase-file", s(p)]);
        }
        let report: serde_json::Value = serde_json::from_str(&ok(&keygen(&check))).unwrap();
        assert_eq!(report["format"], "Ppk");
        assert_eq!(report["sound"], true);
    }

    // puttygen's own encrypted file, and its conversion of our OpenSSH key,
    // read by keygen.
    let theirs = d.path.join("theirs.ppk");
    ok(&tool(
        "puttygen",
        &[
            "-t",
            "rsa",
            "-b",
            "2048",
            "-q",
            "-C",
            "made-by-puttygen",
            "-o",
            s(&theirs),
            "--new-passphrase",
            s(&d.pass),
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&ok(&keygen(&[
        "check-private-key",
        "--passphrase-file",
        s(&d.pass),
        s(&theirs),
    ])))
    .unwrap();
    assert_eq!(report["sound"], true, "{report}");
    assert_eq!(report["bits"], 2048);
    let theirs_public = ok(&tool(
        "puttygen",
        &[s(&theirs), "-L", "--old-passphrase", s(&d.pass)],
    ));
    assert_eq!(
        report["publicKey"].as_str().unwrap(),
        key_of(&theirs_public).as_str()
    );
    let out = keygen(&[
        "check-private-key",
        "--passphrase-file",
        s(&d.wrong),
        s(&theirs),
    ]);
    assert_eq!(out.status.code(), Some(2));

    let ours = d.path.join("ours");
    ok(&keygen(&[
        "generate",
        "-f",
        s(&ours),
        "--passphrase-file",
        s(&d.pass),
    ]));
    let converted = d.path.join("converted.ppk");
    ok(&tool(
        "puttygen",
        &[
            s(&ours),
            "--old-passphrase",
            s(&d.pass),
            "-O",
            "private",
            "-o",
            s(&converted),
            "--new-passphrase",
            s(&d.pass),
        ],
    ));
    let report: serde_json::Value = serde_json::from_str(&ok(&keygen(&[
        "check-private-key",
        "--passphrase-file",
        s(&d.pass),
        s(&converted),
    ])))
    .unwrap();
    assert_eq!(report["sound"], true);
    let public = std::fs::read_to_string(d.path.join("ours.pub")).unwrap();
    assert_eq!(
        report["publicKey"].as_str().unwrap(),
        key_of(&public).as_str()
    );
}

#[test]
fn fingerprint_agrees_with_ssh_keygen_l_on_authorized_keys_and_known_hosts() {
    let d = dir();
    let mut publics = Vec::new();
    for kind in ["ed25519", "ecdsa"] {
        let path = d.path.join(kind);
        ok(&tool(
            "ssh-keygen",
            &["-q", "-t", kind, "-N", "", "-C", "", "-f", s(&path)],
        ));
        let line = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        publics.push(key_of(&line));
    }
    let rsa = d.path.join("rsa");
    ok(&keygen(&["generate", "-f", s(&rsa), "--no-passphrase"]));
    publics.push(key_of(
        &std::fs::read_to_string(d.path.join("rsa.pub")).unwrap(),
    ));
    let authorized = format!(
        "# deploy keys\n\n{}  first key\nrestrict,command=\"echo hi there\",from=\"10.0.0.0/8\" {} second\n   \n# old\nno-pty\t{}\n",
        publics[0], publics[1], publics[2]
    );
    let known = format!(
        "host.example,10.1.2.3 {}\n|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= {}\n@cert-authority *.example {}\n",
        publics[0], publics[1], publics[2]
    );
    for (name, text, lines) in [
        ("authorized_keys", authorized, [3u64, 4, 7]),
        ("known_hosts", known, [1, 2, 3]),
    ] {
        let path = d.path.join(name);
        std::fs::write(&path, &text).unwrap();
        let theirs = ok(&tool("ssh-keygen", &["-l", "-E", "sha256", "-f", s(&path)]));
        let theirs: Vec<(String, String)> = theirs
            .lines()
            .map(|l| {
                let mut f = l.split_whitespace();
                (f.next().unwrap().into(), f.next().unwrap().into())
            })
            .collect();
        let out = ok(&keygen(&["fingerprint", s(&path)]));
        let ours: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let pairs: Vec<(String, String)> = ours
            .iter()
            .map(|v| {
                (
                    v["bits"].to_string(),
                    v["sha256"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // ssh-keygen skips the known_hosts marker line it cannot parse as
        // a host line; keygen reads it. Compare the keys both print.
        assert!(theirs.len() >= 2, "{name}: {theirs:?}");
        assert_eq!(pairs[..theirs.len()], theirs[..], "{name}");
        let numbers: Vec<u64> = ours.iter().map(|v| v["line"].as_u64().unwrap()).collect();
        assert_eq!(numbers, lines, "{name}");
    }
}

/// Runs keygen in a pseudo-terminal (Python's pty module: the child gets
/// the terminal as its controlling tty and standard input), answering each
/// prompt in turn; returns the exit code and everything the terminal
/// showed.
fn in_pty(args: &[&str], answers: &[&str]) -> (i32, String) {
    const DRIVER: &str = r#"
import os, pty, select, sys, json, termios, time
answers = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
seen = b""
def read(timeout):
    global seen
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    seen += data
    return True
for answer in answers:
    start = len(seen)
    while b"passphrase" not in seen[start:].lower() or not seen.rstrip().endswith(b":"):
        if read(60) is None:
            break
    # Answer only once the program has turned echo off (the terminal's
    # settings, shared by both sides of the pty), as a person typing would.
    for _ in range(600):
        if not termios.tcgetattr(fd)[3] & termios.ECHO:
            break
        time.sleep(0.01)
    os.write(fd, answer.encode() + b"\n")
while read(300) is not None:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(seen)
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let answers = serde_json::to_string(answers).unwrap();
    let out = Command::new("python3")
        .args(["-c", DRIVER, &answers, KEYGEN])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("python3 must be installed (.ci/run installs it)");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn prompts_twice_without_echo_on_a_terminal() {
    let d = dir();
    let key = d.path.join("prompted");
    let (code, screen) = in_pty(&["generate", "-f", s(&key)], &[PASS, PASS]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Enter passphrase"), "{screen}");
    assert!(screen.contains("Enter same passphrase again"), "{screen}");
    assert!(
        !screen.contains(PASS),
        "the passphrase was echoed: {screen}"
    );
    let public = std::fs::read_to_string(d.path.join("prompted.pub")).unwrap();
    let derived = ok(&tool("ssh-keygen", &["-y", "-P", PASS, "-f", s(&key)]));
    assert_eq!(key_of(&derived), key_of(&public));

    // check-private-key asks once, on the terminal.
    let (code, screen) = in_pty(&["check-private-key", s(&key)], &[PASS]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("\"sound\":true"), "{screen}");
    assert!(!screen.contains(PASS));
    let (code, screen) = in_pty(&["check-private-key", s(&key)], &["wrong one"]);
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("wrong passphrase"), "{screen}");

    // Two different answers: exit 2 and no file.
    let other = d.path.join("mismatch");
    let (code, screen) = in_pty(&["generate", "-f", s(&other)], &["one", "two"]);
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("do not match"), "{screen}");
    assert!(!other.exists());
    assert!(!d.path.join("mismatch.pub").exists());

    // --no-passphrase: no question, an unencrypted key.
    let plain = d.path.join("plain");
    let (code, screen) = in_pty(&["generate", "-f", s(&plain), "--no-passphrase"], &[]);
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("Enter passphrase"));
    ok(&tool("ssh-keygen", &["-y", "-P", "", "-f", s(&plain)]));
}

#[test]
fn nothing_is_overwritten_or_left_half_written() {
    let d = dir();
    let key = d.path.join("taken");
    std::fs::write(d.path.join("taken.pub"), "keep me\n").unwrap();
    let out = keygen(&["generate", "-f", s(&key), "--no-passphrase"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not overwriting"));
    assert!(!key.exists());
    assert_eq!(
        std::fs::read_to_string(d.path.join("taken.pub")).unwrap(),
        "keep me\n"
    );
    // A directory that does not exist: exit 2, nothing anywhere.
    let out = keygen(&["generate", "-f", s(&d.path.join("no/such/key"))]);
    assert_eq!(out.status.code(), Some(2));
    let names: Vec<_> = std::fs::read_dir(&d.path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["pass", "taken.pub", "wrong"]);
    // A passphrase is never taken from the command line.
    let out = keygen(&["generate", "-f", s(&key), "--passphrase", "x"]);
    assert_eq!(out.status.code(), Some(2));
    // A comment with a line break would split the .pub line.
    let out = keygen(&["generate", "-f", s(&key), "-C", "a\nb"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!key.exists());
}

#[test]
fn check_private_key_opens_ssh_keygen_rsa_files() {
    let d = dir();
    for (name, pass) in [("plain", ""), ("enc", PASS)] {
        let key = d.path.join(name);
        ok(&tool(
            "ssh-keygen",
            &[
                "-q",
                "-t",
                "rsa",
                "-b",
                "3072",
                "-N",
                pass,
                "-C",
                "",
                "-f",
                s(&key),
            ],
        ));
        let public = std::fs::read_to_string(d.path.join(format!("{name}.pub"))).unwrap();
        let mut args = vec!["check-private-key", s(&key)];
        if !pass.is_empty() {
            args.extend(["--passphrase-file", s(&d.pass)]);
        }
        let report: serde_json::Value = serde_json::from_str(&ok(&keygen(&args))).unwrap();
        assert_eq!(report["sound"], true, "{report}");
        assert_eq!(report["format"], "Openssh");
        assert_eq!(report["bits"], 3072);
        assert_eq!(
            report["publicKey"].as_str().unwrap(),
            key_of(&public).as_str()
        );
        // Not the api's 4096 bits: a warning, not a failure.
        assert!(
            report["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w == "modulus_4096")
        );
    }
}
