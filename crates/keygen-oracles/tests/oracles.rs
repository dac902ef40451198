//! Every fuzz oracle over proptest's random bytes and over the fuzz seeds,
//! so that `cargo test` runs the same properties a fuzz run checks.

use std::fs;
use std::path::Path;

use keygen_oracles::{
    create_body, private_key_check, request_fields, ssh_blob_structured, ssh_key_diff, ssh_pubkey,
};
use proptest::prelude::*;

/// The public-key vectors of keygen-core, the seeds of the line targets.
fn example_lines() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../keygen-core/tests/examples");
    let mut lines: Vec<Vec<u8>> = fs::read_dir(&dir)
        .expect("the vectors of keygen-core")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "pub"))
        .map(|path| fs::read(path).expect("a vector"))
        .collect();
    lines.sort();
    assert!(lines.len() > 50, "{} vectors", lines.len());
    lines
}

#[test]
fn line_oracles_hold_on_every_vector() {
    for line in example_lines() {
        ssh_pubkey::run(&line);
        ssh_key_diff::run(&line);
        create_body::run(
            serde_json::json!({"name": "k", "publicKey": String::from_utf8_lossy(&line)})
                .to_string()
                .as_bytes(),
        );
    }
}

#[test]
fn private_key_oracle_holds_on_the_seed_example_and_its_mutations() {
    let seed = include_bytes!("../../keygen-core/tests/data/seed-example-private-key.txt");
    private_key_check::run(seed);
    for cut in [0, 1, 10, 100, seed.len() / 2, seed.len() - 1] {
        private_key_check::run(&seed[..cut]);
    }
    let mut flipped = seed.to_vec();
    flipped[40] ^= 0x01;
    private_key_check::run(&flipped);
}

#[test]
fn field_oracles_hold_on_their_seeds() {
    request_fields::run(b"deploy-key-1");
    request_fields::run(b"team=a\nenv=prod");
    create_body::run(br#"{"name":"k","description":"d","tags":{"a":"b"}}"#);
    create_body::run(b"[]");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn structured_keys_hold(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        ssh_blob_structured::run(&data);
    }

    #[test]
    fn line_oracles_hold_on_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..800)) {
        ssh_pubkey::run(&data);
        ssh_key_diff::run(&data);
    }

    #[test]
    fn line_oracles_hold_on_mutated_vectors(index in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let lines = example_lines();
        let mut line = lines[index.index(lines.len())].clone();
        let at = at.index(line.len());
        line[at] = byte;
        ssh_pubkey::run(&line);
        ssh_key_diff::run(&line);
    }

    #[test]
    fn field_oracles_hold(data in proptest::collection::vec(any::<u8>(), 0..300), text in "[ -~\n]{0,120}") {
        request_fields::run(&data);
        request_fields::run(text.as_bytes());
        create_body::run(&data);
        private_key_check::run(&data);
    }
}
