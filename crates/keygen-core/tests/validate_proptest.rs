//! Property tests of the validators: no input panics, and accepted keys round-trip through their normalised form.

use std::path::PathBuf;

use base64ct::{Base64, Encoding};
use keygen_core::{Description, Name, PublicKeyLine, PublicKeyOptions, Tags};
use proptest::prelude::*;

fn good(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/examples")
        .join(format!("{name}.pub"));
    std::fs::read_to_string(path).unwrap()
}

fn short() -> PublicKeyOptions<'static> {
    PublicKeyOptions::api().without_min_length()
}

const GOOD: &[&str] = &[
    "ok_ed25519",
    "ok_rsa3072",
    "ok_rsa4096",
    "ok_ecdsa256",
    "ok_ecdsa384",
    "ok_ecdsa521",
    "ok_sk_ed25519",
    "ok_sk_ecdsa256",
];

/// The type and base64 fields of a good vector, and its blob.
fn parts(name: &str) -> (String, String, Vec<u8>) {
    let text = good(name);
    let mut f = text.split_whitespace();
    let t = f.next().unwrap().to_owned();
    let d = f.next().unwrap().to_owned();
    let blob = Base64::decode_vec(&d).unwrap();
    (t, d, blob)
}

fn separator() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![Just(' '), Just('\t')], 1..4)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,600}|[ -~\t\r\n\0]{0,2100}") {
        let _ = PublicKeyLine::new(&s);
        let _ = PublicKeyLine::with_options(&s, &short());
        let _ = PublicKeyLine::with_options(&s, &PublicKeyOptions::api().without_length_bounds());
        let _ = Name::new(&s);
        let _ = Description::new(&s);
        let _ = Tags::new([(s.as_str(), s.as_str())]);
    }

    #[test]
    fn arbitrary_blobs_never_panic(
        t in prop::sample::select(vec![
            "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
            "sk-ecdsa-sha2-nistp256@openssh.com",
        ]),
        blob in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let line = format!("{t} {}", Base64::encode_string(&blob));
        let _ = PublicKeyLine::with_options(&line, &short());
    }

    #[test]
    fn mutated_good_blobs_never_panic(
        which in 0..GOOD.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in 0usize..3,
    ) {
        let (t, _, mut blob) = parts(GOOD[which]);
        for (i, b) in edits {
            let i = i.index(blob.len());
            blob[i] = b;
        }
        blob.truncate(blob.len() - cut);
        let line = format!("{t} {}", Base64::encode_string(&blob));
        if let Ok(key) = PublicKeyLine::with_options(&line, &short()) {
            let again = PublicKeyLine::with_options(key.as_str(), &short()).unwrap();
            prop_assert_eq!(again, key);
        }
    }

    #[test]
    fn accepted_keys_round_trip(
        which in 0..GOOD.len(),
        lead in "[ \t\r\n]{0,3}",
        sep in separator(),
        words in proptest::collection::vec("[!-~é€]{1,12}", 0..5),
        seps in proptest::collection::vec(separator(), 5),
        end in prop::sample::select(vec!["", "\n", "\r\n", " \n", "\t", "\n\n", "\r\n\r\n", "\n \t\n"]),
    ) {
        let (t, d, _) = parts(GOOD[which]);
        let mut line = format!("{lead}{t}{sep}{d}");
        for (w, s) in words.iter().zip(&seps) {
            line.push_str(s);
            line.push_str(w);
        }
        line.push_str(end);
        let key = PublicKeyLine::with_options(&line, &short()).unwrap();
        let expected_comment = if words.is_empty() { None } else { Some(words.join(" ")) };
        prop_assert_eq!(key.comment().map(str::to_owned), expected_comment);
        prop_assert_eq!(key.as_str().split(' ').nth(1), Some(d.as_str()));
        let again = PublicKeyLine::with_options(key.as_str(), &short()).unwrap();
        prop_assert_eq!(&again, &key);
        prop_assert_eq!(again.as_str(), key.as_str());
    }

    #[test]
    fn names_match_the_pattern(s in "[A-Za-z0-9_. -]{0,45}") {
        let ok = !s.is_empty()
            && s.chars().count() <= 40
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        prop_assert_eq!(Name::new(&s).is_ok(), ok);
    }
}
