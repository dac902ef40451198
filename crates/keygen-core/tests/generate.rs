//! Generated keys: FIPS 186-5 A.1.3, the API's layout, and the exact
//! encodings, checked with an independent big-integer implementation.

mod common;

use base64ct::{Base64, Encoding};
use der::Decode;
use keygen_core::{RsaKeyPair, check_private_key};
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};
use rand_core::SeedableRng;

struct Parts {
    n: BigUint,
    e: BigUint,
    d: BigUint,
    p: BigUint,
    q: BigUint,
    dp: BigUint,
    dq: BigUint,
    qinv: BigUint,
}

fn parts(key: &RsaKeyPair) -> Parts {
    let der = key.to_pkcs8_der().unwrap();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).unwrap();
    let k = pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes()).unwrap();
    let b = |u: der::asn1::UintRef<'_>| BigUint::from_bytes_be(u.as_bytes());
    Parts {
        n: b(k.modulus),
        e: b(k.public_exponent),
        d: b(k.private_exponent),
        p: b(k.prime1),
        q: b(k.prime2),
        dp: b(k.exponent1),
        dq: b(k.exponent2),
        qinv: b(k.coefficient),
    }
}

#[test]
fn keys_meet_fips_186_5_a_1_3_and_the_api_layout() {
    for key in common::keys() {
        assert_fips_186_5(key);
    }
}

/// FIPS 186-5 A.1.3's conditions and the API's layout, in num-bigint.
fn assert_fips_186_5(key: &RsaKeyPair) {
    {
        let k = parts(key);
        let one = BigUint::one();
        let two = BigUint::from(2u8);
        assert_eq!(k.e, BigUint::from(65_537u32));
        assert_eq!(k.n.bits(), 4096);
        assert_eq!(&k.p * &k.q, k.n);
        // p, q ≥ √2·2^2047  ⇔  p² ≥ 2^4095.
        assert!(&k.p * &k.p >= two.pow(4095));
        assert!(&k.q * &k.q >= two.pow(4095));
        // |p − q| > 2^1948.
        let diff = if k.p > k.q { &k.p - &k.q } else { &k.q - &k.p };
        assert!(diff > two.pow(1948));
        // gcd(e, p − 1) = gcd(e, q − 1) = 1.
        let (p1, q1) = (&k.p - &one, &k.q - &one);
        assert!(k.e.gcd(&p1).is_one() && k.e.gcd(&q1).is_one());
        // d = e⁻¹ mod λ(n), reduced mod λ (not φ), and d > 2^2048.
        let lambda = p1.lcm(&q1);
        assert_eq!((&k.e * &k.d) % &lambda, one);
        assert!(k.d < lambda);
        assert!(k.d > two.pow(2048));
        // p > q, so qInv = q⁻¹ mod p; CRT exponents.
        assert!(k.p > k.q);
        assert_eq!((&k.q * &k.qinv) % &k.p, one);
        assert!(k.qinv < k.p);
        assert_eq!(k.dp, &k.d % &p1);
        assert_eq!(k.dq, &k.d % &q1);
        // Primality, independently: Fermat tests to several bases.
        for base in [2u32, 3, 5, 7, 11] {
            let base = BigUint::from(base);
            assert_eq!(base.modpow(&p1, &k.p), one);
            assert_eq!(base.modpow(&q1, &k.q), one);
        }
        assert!(!k.n.is_zero());
    }
}

#[test]
fn encodings_are_byte_exact() {
    for key in common::keys() {
        let enc = key.to_encoded().unwrap();
        // publicKey: "ssh-rsa " + base64(string "ssh-rsa", mpint e, mpint n).
        assert_eq!(enc.public_key().len(), 724);
        assert!(
            enc.public_key()
                .starts_with("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQ")
        );
        assert!(!enc.public_key().contains('\n'));
        let blob = Base64::decode_vec(&enc.public_key()[8..]).unwrap();
        let k = parts(key);
        let mut expect = Vec::new();
        expect.extend_from_slice(&7u32.to_be_bytes());
        expect.extend_from_slice(b"ssh-rsa");
        expect.extend_from_slice(&3u32.to_be_bytes());
        expect.extend_from_slice(&[1, 0, 1]);
        expect.extend_from_slice(&513u32.to_be_bytes());
        expect.push(0);
        expect.extend_from_slice(&k.n.to_bytes_be());
        assert_eq!(blob, expect);
        assert_eq!(enc.fingerprint(), keygen_core::sha256_fingerprint(&blob));

        // privateKey: one line of padded base64 of PKCS#8 DER.
        let private = enc.private_key().as_str();
        assert!(private.starts_with("MIIJ"), "{}", &private[..8]);
        assert!(!private.contains(['\n', '\r', ' ', '-']));
        assert_eq!(private.len() % 4, 0);
        let der = Base64::decode_vec(private).unwrap();
        assert_eq!(der.as_slice(), key.to_pkcs8_der().unwrap().as_slice());
        // PrivateKeyInfo: version 0, AlgorithmIdentifier rsaEncryption NULL.
        let prefix = [
            0x02, 0x01, 0x00, // INTEGER 0
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
            0x01, // rsaEncryption
            0x05, 0x00, // NULL
            0x04, 0x82, // OCTET STRING, two-byte length
        ];
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[4..4 + prefix.len()], prefix);
        // The inner RSAPrivateKey starts with SEQUENCE, INTEGER 0.
        let inner = &der[4 + prefix.len() + 2..];
        assert_eq!(inner[0], 0x30);
        assert_eq!(&inner[4..7], [0x02, 0x01, 0x00]);

        // PEM wraps the same DER.
        let pem = key.to_pkcs8_pem().unwrap();
        let (label, pem_der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
        assert_eq!(label, "PRIVATE KEY");
        assert_eq!(pem_der, der);
    }
}

#[test]
fn an_independent_rsa_implementation_accepts_the_keys() {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::traits::PublicKeyParts;
    for key in common::keys() {
        let der = key.to_pkcs8_der().unwrap();
        let theirs = rsa::PrivateKey::from_pkcs8_der(&der).unwrap();
        theirs.validate().unwrap();
        let k = parts(key);
        assert_eq!(
            theirs.n().to_be_bytes_trimmed_vartime().as_ref(),
            k.n.to_bytes_be()
        );
    }
}

#[test]
fn two_threads_and_the_portable_search_give_sound_keys() {
    use keygen_core::{GenerateOptions, PrimeSearch};
    let mut rng = chacha20::ChaCha20Rng::from_seed([3; 32]);
    let two_threads = GenerateOptions::new().with_threads(2);
    let (key, stats) = RsaKeyPair::generate_with(&mut rng, &two_threads).unwrap();
    assert_fips_186_5(&key);
    assert!(check_private_key(&key.to_api_private_key().unwrap()).is_sound());
    assert!(stats.mr_base_two() >= 2 && stats.mr_random() >= 14);
    assert_eq!(stats.fermat_lanes() > 0, two_threads.uses_lanes());

    let portable = GenerateOptions::new()
        .with_search(PrimeSearch::Portable)
        .with_threads(1);
    assert!(!portable.uses_lanes());
    let (key, stats) = RsaKeyPair::generate_with(&mut rng, &portable).unwrap();
    assert_fips_186_5(&key);
    assert!(check_private_key(&key.to_api_private_key().unwrap()).is_sound());
    assert_eq!(stats.fermat_lanes(), 0);
    // One candidate at a time: every candidate gets a base-2 round.
    assert_eq!(stats.mr_base_two(), stats.candidates());
    assert!(stats.mr_random() >= 14);
}

#[test]
fn the_same_seed_gives_the_same_key_and_counts() {
    let mut a = chacha20::ChaCha20Rng::from_seed([1; 32]);
    let (key, stats) = RsaKeyPair::generate_with_stats(&mut a).unwrap();
    assert!(key.ct_eq(&common::keys()[0]));
    assert!(!key.ct_eq(&common::keys()[1]));
    assert!(stats.mr_base_two() >= 2);
    assert_eq!(
        stats.modexps(),
        stats.fermat_lanes() + stats.mr_base_two() + stats.mr_random()
    );
    // Each accepted prime costs one base-2 round and seven random rounds.
    assert!(stats.mr_random() >= 14);
    if keygen_core::GenerateOptions::default().uses_lanes() {
        // Candidates go through the lanes in batches of eight.
        assert_eq!(stats.fermat_lanes(), stats.candidates());
        assert_eq!(stats.candidates() % 8, 0);
    } else {
        assert_eq!(stats.fermat_lanes(), 0);
    }
}

/// Each search tests its candidates in sieve order and keeps the first to
/// pass whichever thread tests it, so the thread count changes the time, not
/// the key: on the default search and on the scalar one, on any CPU.
#[test]
fn the_thread_count_changes_the_time_not_the_key() {
    use keygen_core::{GenerateOptions, PrimeSearch};
    for search in [PrimeSearch::Auto, PrimeSearch::Scalar] {
        for seed in [6u8, 7] {
            let seeded = || chacha20::ChaCha20Rng::from_seed([seed; 32]);
            let options = GenerateOptions::new().with_search(search);
            let (one, stats) =
                RsaKeyPair::generate_with(&mut seeded(), &options.with_threads(1)).unwrap();
            for threads in [2, 3] {
                let (key, more) =
                    RsaKeyPair::generate_with(&mut seeded(), &options.with_threads(threads))
                        .unwrap();
                assert!(
                    key.ct_eq(&one),
                    "{search:?}, seed {seed}: {threads} threads found other primes"
                );
                // Both primes found and tested once each; the threads may
                // have tested some candidates after them too.
                assert!(more.mr_random() >= stats.mr_random(), "{more:?} {stats:?}");
                assert_eq!(more.rejected_pairs(), stats.rejected_pairs());
            }
        }
    }
}

#[test]
fn os_rng_generation_works_and_differs() {
    let a = RsaKeyPair::generate_os().unwrap();
    assert!(check_private_key(&a.to_api_private_key().unwrap()).is_sound());
    assert!(!a.ct_eq(&common::keys()[0]));
}

#[test]
fn every_search_can_be_forced() {
    use keygen_core::{Error, GenerateOptions, PrimeSearch};
    let mut rng = chacha20::ChaCha20Rng::from_seed([4; 32]);
    // The scalar kernel, on one and on two threads, whatever the CPU.
    for threads in [1, 2] {
        let scalar = GenerateOptions::new()
            .with_search(PrimeSearch::Scalar)
            .with_threads(threads);
        assert!(!scalar.uses_lanes());
        assert_eq!(scalar.kernel(), scalar_kernel());
        assert_eq!(scalar.sieve_limit(), 1 << 22);
        let (key, stats) = RsaKeyPair::generate_with(&mut rng, &scalar).unwrap();
        assert_fips_186_5(&key);
        assert!(check_private_key(&key.to_api_private_key().unwrap()).is_sound());
        assert_eq!(stats.fermat_lanes(), 0);
        // One candidate at a time: each gets the strong test to base 2, each
        // prime the random rounds.
        assert_eq!(stats.mr_base_two(), stats.candidates(), "{threads} threads");
        assert!(stats.mr_random() >= 14 && stats.mr_random() % 7 == 0);
    }
    let lanes = GenerateOptions::new()
        .with_search(PrimeSearch::Avx512)
        .with_threads(1);
    if keygen_mont_available() {
        assert!(lanes.uses_lanes());
        assert_eq!(lanes.sieve_limit(), 1 << 20);
        let (key, stats) = RsaKeyPair::generate_with(&mut rng, &lanes).unwrap();
        assert_fips_186_5(&key);
        assert_eq!(stats.fermat_lanes(), stats.candidates());
    } else {
        println!("this CPU has no AVX-512F: the forced AVX-512 search must refuse");
        assert!(!lanes.uses_lanes());
        assert_eq!(lanes.sieve_limit(), 1 << 22);
        match RsaKeyPair::generate_with(&mut rng, &lanes) {
            Err(Error::Unsupported(why)) => assert!(why.contains("avx-512f"), "{why}"),
            other => panic!("expected unsupported, got {:?}", other.map(|(_, s)| s)),
        }
    }
    // The AVX-512F kernel forced where the CPU has IFMA: the same key from
    // the same seed on one thread and on two (and the same counts on one).
    for threads in [1, 2] {
        let f = GenerateOptions::new()
            .with_search(PrimeSearch::Avx512F)
            .with_threads(threads);
        let fastest = GenerateOptions::new()
            .with_search(PrimeSearch::Avx512)
            .with_threads(threads);
        if !keygen_mont_available() {
            assert!(matches!(
                RsaKeyPair::generate_with(&mut rng, &f),
                Err(Error::Unsupported(_))
            ));
            continue;
        }
        assert!(f.uses_lanes());
        let seeded = || chacha20::ChaCha20Rng::from_seed([5; 32]);
        let (key, stats) = RsaKeyPair::generate_with(&mut seeded(), &f).unwrap();
        assert_fips_186_5(&key);
        assert_eq!(stats.fermat_lanes(), stats.candidates());
        let (same, same_stats) =
            RsaKeyPair::generate_with(&mut seeded(), &fastest.with_threads(1)).unwrap();
        assert!(
            key.ct_eq(&same),
            "the kernel and the threads change the time, not the key"
        );
        if threads == 1 {
            assert_eq!(stats, same_stats);
        }
        if keygen_mont::ifma_available() {
            assert_eq!(f.kernel(), "AVX-512F lanes, IFMA not used");
            assert_eq!(fastest.kernel(), "AVX-512 IFMA lanes");
        } else {
            println!("no AVX-512 IFMA: PrimeSearch::Avx512F is PrimeSearch::Avx512 here");
            assert_eq!(f.kernel(), fastest.kernel());
        }
    }
    // Auto is the lanes where the CPU has them, else the scalar kernel.
    let auto = GenerateOptions::default();
    assert_eq!(auto.uses_lanes(), keygen_mont_available());
    if !keygen_mont_available() {
        assert_eq!(auto.kernel(), scalar_kernel());
    }
}

/// The scalar kernel's name on this CPU: with its ADX products where the
/// CPU has BMI2 and ADX (the same detection as keygen-mont's).
fn scalar_kernel() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx") {
        return "scalar kernel (ADX)";
    }
    "scalar kernel"
}

/// Whether this CPU runs the AVX-512 lanes (the same detection as the
/// engine's: `std` caches it).
fn keygen_mont_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
