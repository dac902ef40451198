//! Near-valid OpenSSH public key lines, built field by field and fed to the
//! public-key validator.
//!
//! The blob is framed as RFC 4253 fields (uint32 length and bytes) whose
//! contents vary: RSA `e` and `n` as RFC 4251 mpints (some non-minimal or
//! negative; some moduli with a known weakness: a small prime factor, a
//! perfect square, primes close enough for Fermat's method, even), Ed25519
//! keys (the basepoint, known keys, the small-order points, y ≥ p, other
//! lengths), ECDSA curve identifiers and SEC 1 points (known points and
//! their negations, points computed from a chosen x, including coordinates
//! outside OpenSSH's range; compressed, the identity, off the curve,
//! coordinates above the field prime, wrong lengths), FIDO application
//! strings (`ssh:` prefix, NUL bytes). On top
//! of that come mutations of the framing and the line: other type names
//! outside and inside the blob, lying lengths, trailing bytes, faulty
//! base64, separators, line ends and comments.
//!
//! Properties:
//! - an input built to be refused is refused (each construction above says
//!   why), and one built from a known-good key with nothing changed is
//!   accepted;
//! - an accepted key has the outer type, its blob is the one built, its
//!   normalised line is `type base64[ comment]` with single spaces, its
//!   fingerprints are those of the blob, and it re-validates from its
//!   normalised form to an equal value;
//! - an accepted RSA key obeys the size and exponent policy, has no small
//!   prime factor and is not a perfect square (checked independently);
//! - an accepted ECDSA key's coordinates are in OpenSSH's range (more bits
//!   than half the group order's, below the order minus one), so that sshd
//!   can load it (checked independently);
//! - every refusal is a `publicKey` reason with a code of 1100 to 1199.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use base64ct::{Base64, Encoding};
use keygen_core::{PublicKeyLine, PublicKeyOptions};
use num_bigint::BigUint;

// ---------------------------------------------------------------------------
// The input

#[derive(Debug, Arbitrary)]
struct Input {
    key: Key,
    policy: Policy,
    comment: Vec<Word>,
    mutations: Vec<Mutation>,
}

#[derive(Debug, Arbitrary)]
enum Key {
    Rsa { e: Exponent, n: Modulus },
    Ed25519(EdKey),
    Ecdsa { curve: Curve, point: Point },
    SkEd25519 { key: EdKey, app: App },
    SkEcdsa { point: Point, app: App },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum TypeName {
    Rsa,
    Ed25519,
    Nistp256,
    Nistp384,
    Nistp521,
    SkEd25519,
    SkNistp256,
    Dss,
    RsaSha256,
    RsaSha512,
    RsaCert,
    Ed25519Cert,
    SkEd25519Cert,
    Ed448,
    Nistp224,
    Upper,
    Unknown,
    Empty,
}

impl TypeName {
    fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "ssh-rsa",
            Self::Ed25519 => "ssh-ed25519",
            Self::Nistp256 => "ecdsa-sha2-nistp256",
            Self::Nistp384 => "ecdsa-sha2-nistp384",
            Self::Nistp521 => "ecdsa-sha2-nistp521",
            Self::SkEd25519 => "sk-ssh-ed25519@openssh.com",
            Self::SkNistp256 => "sk-ecdsa-sha2-nistp256@openssh.com",
            Self::Dss => "ssh-dss",
            Self::RsaSha256 => "rsa-sha2-256",
            Self::RsaSha512 => "rsa-sha2-512",
            Self::RsaCert => "ssh-rsa-cert-v01@openssh.com",
            Self::Ed25519Cert => "ssh-ed25519-cert-v01@openssh.com",
            Self::SkEd25519Cert => "sk-ssh-ed25519-cert-v01@openssh.com",
            Self::Ed448 => "ssh-ed448",
            Self::Nistp224 => "ecdsa-sha2-nistp224",
            Self::Upper => "SSH-RSA",
            Self::Unknown => "ssh-foo@example.com",
            Self::Empty => "",
        }
    }

    /// Whether the validator accepts this key type at all.
    fn accepted(self) -> bool {
        matches!(
            self,
            Self::Rsa
                | Self::Ed25519
                | Self::Nistp256
                | Self::Nistp384
                | Self::Nistp521
                | Self::SkEd25519
                | Self::SkNistp256
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    fn name(self) -> TypeName {
        match self {
            Self::P256 => TypeName::Nistp256,
            Self::P384 => TypeName::Nistp384,
            Self::P521 => TypeName::Nistp521,
        }
    }

    fn identifier(self) -> &'static [u8] {
        match self {
            Self::P256 => b"nistp256",
            Self::P384 => b"nistp384",
            Self::P521 => b"nistp521",
        }
    }

    fn bits(self) -> u32 {
        match self {
            Self::P256 => 256,
            Self::P384 => 384,
            Self::P521 => 521,
        }
    }

    fn field_bytes(self) -> usize {
        self.bits().div_ceil(8) as usize
    }

    fn prime(self) -> &'static BigUint {
        let k = known();
        match self {
            Self::P256 => &k.p256,
            Self::P384 => &k.p384,
            Self::P521 => &k.p521,
        }
    }

    /// The group order n.
    fn order(self) -> &'static BigUint {
        let k = known();
        match self {
            Self::P256 => &k.n256,
            Self::P384 => &k.n384,
            Self::P521 => &k.n521,
        }
    }

    /// b of y² = x³ − 3x + b.
    fn b(self) -> &'static BigUint {
        let k = known();
        match self {
            Self::P256 => &k.b256,
            Self::P384 => &k.b384,
            Self::P521 => &k.b521,
        }
    }

    /// A y with (x, y) on the curve, if there is one. Every p here is 3
    /// mod 4, so a square root of a is a^((p + 1)/4).
    fn y_for(self, x: &BigUint) -> Option<BigUint> {
        let p = self.prime();
        let rhs = (x * x * x + self.b() + p * 3u8 - x * 3u8) % p;
        let y = rhs.modpow(&((p + 1u8) >> 2u32), p);
        (&y * &y % p == rhs).then_some(y)
    }

    /// OpenSSH's range for a coordinate (sshkey_ec_validate_public): more
    /// bits than half the order's, and below n − 1.
    fn in_openssh_range(self, c: &BigUint) -> bool {
        let n = self.order();
        c.bits() > n.bits() / 2 && *c < n - 1u8
    }

    fn points(self) -> &'static [Vec<u8>] {
        let k = known();
        match self {
            Self::P256 => &k.points256,
            Self::P384 => &k.points384,
            Self::P521 => &k.points521,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum CurveName {
    Nistp256,
    Nistp384,
    Nistp521,
    Nistp224,
    Secp256r1,
    Upper,
    Empty,
}

impl CurveName {
    fn as_bytes(self) -> &'static [u8] {
        match self {
            Self::Nistp256 => b"nistp256",
            Self::Nistp384 => b"nistp384",
            Self::Nistp521 => b"nistp521",
            Self::Nistp224 => b"nistp224",
            Self::Secp256r1 => b"secp256r1",
            Self::Upper => b"NISTP256",
            Self::Empty => b"",
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Exponent {
    F4,
    Three,
    Seventeen,
    Small(u8),
    U32(u32),
    U64(u64),
    Wide(Vec<u8>),
    EqualsN,
    AboveN,
}

#[derive(Debug, Arbitrary)]
enum Modulus {
    /// A modulus of a key made by ssh-keygen.
    Known(u8),
    /// An odd number of the given size.
    Random {
        size: Size,
        seed: u64,
    },
    /// A prime up to 65537 times an odd number.
    SmallPrimeTimes {
        index: u16,
        size: Size,
        seed: u64,
    },
    /// r².
    Square {
        size: Size,
        seed: u64,
    },
    /// p·(p + 2b) with b ≤ 65536: Fermat's method factors it at once.
    FermatClose {
        size: Size,
        seed: u64,
        gap: u16,
    },
    /// k·M + (65537^a mod M), M the product of the primes 3 to 167: the
    /// structure of Infineon's vulnerable generator (ROCA).
    Roca {
        size: Size,
        seed: u64,
        a: u16,
    },
    Even {
        size: Size,
        seed: u64,
    },
    Raw(Vec<u8>),
}

/// Modulus sizes in bits: mostly at most 4096, sometimes up to the policy's
/// 16384 and just past it.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Size {
    B1023,
    B1024,
    B2047,
    B2048,
    B2049,
    B3072,
    B4096,
    B4097,
    B8192,
    B16384,
    B16385,
    Bits(u16),
}

impl Size {
    fn bits(self) -> u64 {
        match self {
            Self::B1023 => 1023,
            Self::B1024 => 1024,
            Self::B2047 => 2047,
            Self::B2048 => 2048,
            Self::B2049 => 2049,
            Self::B3072 => 3072,
            Self::B4096 => 4096,
            Self::B4097 => 4097,
            Self::B8192 => 8192,
            Self::B16384 => 16384,
            Self::B16385 => 16385,
            Self::Bits(b) => 1 + u64::from(b) % 4096,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum EdKey {
    Basepoint,
    /// An Ed25519 key made by ssh-keygen.
    Known(u8),
    Bytes([u8; 32]),
    /// One of the eight points of small order, in its canonical or
    /// non-canonical encodings.
    SmallOrder {
        index: u8,
        sign: bool,
    },
    /// y = p + k with 0 ≤ k < 19: not a canonical encoding.
    AbovePrime {
        k: u8,
        sign: bool,
    },
    Length(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum Point {
    /// A point on the curve (the generator or a key made by ssh-keygen), or
    /// its negation.
    Valid {
        index: u8,
        negate: bool,
    },
    /// The point with this x (or the next x that has one), y or −y.
    FromX {
        x: XChoice,
        negate: bool,
    },
    Compressed {
        index: u8,
    },
    Infinity,
    Zeros,
    FlipY {
        index: u8,
        bit: u16,
    },
    OutOfRange {
        index: u8,
        y: bool,
        k: u16,
    },
    Cut {
        index: u8,
        len: u8,
    },
    Extend {
        index: u8,
        extra: Vec<u8>,
    },
    Raw(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum XChoice {
    /// Uniform below p.
    Random(u64),
    /// At most 64 bits: outside OpenSSH's range.
    Small(u64),
    /// n − 1 + k, still below p: outside OpenSSH's range.
    AboveOrder(u16),
    Raw(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum App {
    Ssh,
    SshThen(Vec<u8>),
    Https,
    Empty,
    Raw(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum Mutation {
    OuterName(TypeName),
    InnerName(TypeName),
    Names(TypeName),
    Ident(CurveName),
    Mpint { on_n: bool, negative: bool },
    Trailing(Vec<u8>),
    Lie { field: u8, kind: LieKind },
    Base64(B64Fault),
    Layout(Layout),
    Comment(CommentFault),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum LieKind {
    Add(u8),
    Sub(u8),
    Max,
    Zero,
}

impl LieKind {
    fn apply(self, len: u32) -> u32 {
        match self {
            Self::Add(d) => len.wrapping_add(1 + u32::from(d)),
            Self::Sub(d) => len.wrapping_sub(1 + u32::from(d)),
            Self::Max => u32::MAX,
            Self::Zero => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum B64Fault {
    NoPadding,
    UrlSafe,
    StrayBits,
    Truncate(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum Layout {
    Single,
    Tabs,
    Runs,
    Surrounded,
    Lf,
    CrLf,
    BlankLines,
    SecondLine,
    CrInComment,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum CommentFault {
    Unicode,
    Escape,
    Nul,
    Del,
    Bidi,
    ZeroWidth,
    LooksLikeType,
}

#[derive(Debug, Arbitrary)]
struct Word(Vec<u8>);

#[derive(Debug, Arbitrary)]
struct Policy {
    bounds: Bounds,
    min_rsa_bits: MinBits,
    max_exponent_bits: ExponentBits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Arbitrary)]
enum Bounds {
    Api,
    NoMin,
    Unbounded,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum MinBits {
    Default,
    B1024,
    B3072,
    B4096,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum ExponentBits {
    Default,
    B33,
    B64,
    B256,
}

// ---------------------------------------------------------------------------
// Known values

struct Known {
    primes: Vec<u32>,
    /// The odd primes below 2000.
    sieve_primes: Vec<u32>,
    /// The product of the primes 3 to 167 (ROCA's M for the smallest keys).
    roca_m: BigUint,
    rsa: Vec<BigUint>,
    ed25519: Vec<[u8; 32]>,
    p256: BigUint,
    p384: BigUint,
    p521: BigUint,
    n256: BigUint,
    n384: BigUint,
    n521: BigUint,
    b256: BigUint,
    b384: BigUint,
    b521: BigUint,
    points256: Vec<Vec<u8>>,
    points384: Vec<Vec<u8>>,
    points521: Vec<Vec<u8>>,
}

/// The fields of the blob of a key line.
fn fields_of(line: &str) -> Vec<Vec<u8>> {
    let data = line.split_ascii_whitespace().nth(1).expect("key data");
    let mut blob: &[u8] = &Base64::decode_vec(data).expect("base64");
    let mut fields = Vec::new();
    while let Some((len, rest)) = blob.split_first_chunk::<4>() {
        let len = u32::from_be_bytes(*len) as usize;
        fields.push(rest[..len].to_vec());
        blob = &rest[len..];
    }
    fields
}

/// A big number from hex, ignoring whitespace (for constants split over
/// lines).
fn hex(digits: &[u8]) -> BigUint {
    let digits: Vec<u8> = digits
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    BigUint::parse_bytes(&digits, 16).expect("hex")
}

fn uncompressed(x: &str, y: &str) -> Vec<u8> {
    let mut q = vec![4];
    for h in [x, y] {
        q.extend(
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex")),
        );
    }
    q
}

fn known() -> &'static Known {
    static KNOWN: OnceLock<Known> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let bound = 65537usize;
        let mut composite = vec![false; bound + 1];
        let mut primes = Vec::new();
        for i in 2..=bound {
            if !composite[i] {
                primes.push(i as u32);
                for j in (i * i..=bound).step_by(i) {
                    composite[j] = true;
                }
            }
        }
        let examples = |name: &str| -> &'static str {
            match name {
                "rsa2048" => include_str!("../../keygen-core/tests/examples/ok_rsa2048.pub"),
                "rsa3072" => include_str!("../../keygen-core/tests/examples/ok_rsa3072.pub"),
                "rsa3072_e3" => {
                    include_str!("../../keygen-core/tests/examples/ok_rsa3072_e3.pub")
                }
                "rsa4096" => include_str!("../../keygen-core/tests/examples/ok_rsa4096.pub"),
                "ed25519" => include_str!("../../keygen-core/tests/examples/ok_ed25519.pub"),
                "sk_ed25519" => {
                    include_str!("../../keygen-core/tests/examples/ok_sk_ed25519.pub")
                }
                "ecdsa256" => {
                    include_str!("../../keygen-core/tests/examples/ok_ecdsa256.pub")
                }
                "sk_ecdsa256" => {
                    include_str!("../../keygen-core/tests/examples/ok_sk_ecdsa256.pub")
                }
                "ecdsa384" => {
                    include_str!("../../keygen-core/tests/examples/ok_ecdsa384.pub")
                }
                "ecdsa521" => {
                    include_str!("../../keygen-core/tests/examples/ok_ecdsa521.pub")
                }
                _ => unreachable!(),
            }
        };
        let rsa = ["rsa2048", "rsa3072", "rsa3072_e3", "rsa4096"]
            .iter()
            .map(|n| BigUint::from_bytes_be(&fields_of(examples(n))[2]))
            .collect();
        let ed25519 = ["ed25519", "sk_ed25519"]
            .iter()
            .map(|n| {
                fields_of(examples(n))[1]
                    .as_slice()
                    .try_into()
                    .expect("32 bytes")
            })
            .collect();
        let point = |n: &str| fields_of(examples(n))[2].clone();
        let one = BigUint::from(1u8);
        Known {
            sieve_primes: primes[1..]
                .iter()
                .copied()
                .take_while(|&p| p < 2000)
                .collect(),
            roca_m: primes[1..]
                .iter()
                .take_while(|&&p| p <= 167)
                .map(|&p| BigUint::from(p))
                .product(),
            primes,
            rsa,
            ed25519,
            p256: BigUint::parse_bytes(
                b"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                16,
            )
            .expect("hex"),
            p384: (&one << 384u32) - (&one << 128u32) - (&one << 96u32) + (&one << 32u32) - 1u8,
            p521: (&one << 521u32) - 1u8,
            // The orders and the b of SEC 2 / SP 800-186.
            n256: hex(b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
            n384: hex(
                b"ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf\
                        581a0db248b0a77aecec196accc52973",
            ),
            n521: hex(
                b"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
                        fffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e9138\
                        6409",
            ),
            b256: hex(b"5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
            b384: hex(
                b"b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a\
                        c656398d8a2ed19d2a85c8edd3ec2aef",
            ),
            b521: hex(
                b"0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1\
                        09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b50\
                        3f00",
            ),
            // The generators (SEC 2 sections 2.4.2, 2.5.1; FIPS 186-5 /
            // SP 800-186 section 3.2.1), then keys made by ssh-keygen.
            points256: vec![
                uncompressed(
                    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
                ),
                point("ecdsa256"),
                point("sk_ecdsa256"),
            ],
            points384: vec![
                uncompressed(
                    "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38\
                     5502f25dbf55296c3a545e3872760ab7",
                    "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0\
                     0a60b1ce1d7e819d7a431d7c90ea0e5f",
                ),
                point("ecdsa384"),
            ],
            points521: vec![
                uncompressed(
                    "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d\
                     3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5\
                     bd66",
                    "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e\
                     662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd1\
                     6650",
                ),
                point("ecdsa521"),
            ],
        }
    })
}

/// The encodings of the Ed25519 points of small order (with the sign bit
/// clear): y = 0 (order 4), y = 1 (the identity), the two y of the points of
/// order 8, y = −1 (order 2), and y = p and y = p + 1 (non-canonical
/// encodings of 0 and 1).
const ED25519_SMALL_ORDER: [[u8; 32]; 7] = [
    [0; 32],
    {
        let mut b = [0; 32];
        b[0] = 1;
        b
    },
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    below_2_255(0xec),
    below_2_255(0xed),
    below_2_255(0xee),
];

/// 2^255 − 256 + low, little-endian: p − 1, p and p + 1 for low = 0xec,
/// 0xed, 0xee (p = 2^255 − 19).
const fn below_2_255(low: u8) -> [u8; 32] {
    let mut b = [0xff; 32];
    b[0] = low;
    b[31] = 0x7f;
    b
}

/// The Ed25519 basepoint (y = 4/5).
const ED25519_BASEPOINT: [u8; 32] = {
    let mut b = [0x66; 32];
    b[0] = 0x58;
    b
};

// ---------------------------------------------------------------------------
// Building the blob

/// SplitMix64: cheap, deterministic filler for big numbers, so that a few
/// input bytes make a 4096-bit modulus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A number of exactly `bits` bits (top bit set).
fn random_bits(bits: u64, rng: &mut Rng) -> BigUint {
    if bits == 0 {
        return BigUint::default();
    }
    let digits: Vec<u64> = (0..bits.div_ceil(64)).map(|_| rng.next()).collect();
    let mut n = BigUint::from_slice(
        &digits
            .iter()
            .flat_map(|d| [*d as u32, (*d >> 32) as u32])
            .collect::<Vec<_>>(),
    );
    let excess = n.bits().saturating_sub(bits);
    n >>= excess;
    n.set_bit(bits - 1, true);
    n
}

fn random_odd(bits: u64, rng: &mut Rng) -> BigUint {
    let mut n = random_bits(bits.max(2), rng);
    n.set_bit(0, true);
    n
}

/// Residue of `x` modulo a small `p`.
fn residue(x: &BigUint, p: u32) -> u64 {
    x.iter_u32_digits()
        .rev()
        .fold(0u64, |r, d| ((r << 32) | u64::from(d)) % u64::from(p))
}

/// The first odd `start + j·step` (j ≥ 0, at most a few thousand tried)
/// such that neither it nor it plus `gap` has an odd prime factor below
/// 2000; `start` itself if there is none. Most numbers this returns also
/// pass the validator's check of all primes up to 65537, so the checks
/// after it (square, Fermat, ROCA) are reached.
fn sieve(start: &BigUint, step: &BigUint, gap: &BigUint) -> BigUint {
    let primes = &known().sieve_primes;
    let r: Vec<u64> = primes.iter().map(|&p| residue(start, p)).collect();
    let s: Vec<u64> = primes.iter().map(|&p| residue(step, p)).collect();
    let g: Vec<u64> = primes.iter().map(|&p| residue(gap, p)).collect();
    // Odd candidates only: with an odd step, every other j.
    let (first, stride) = if step.bit(0) {
        (u64::from(!start.bit(0)), 2)
    } else {
        (0, 1)
    };
    for j in (first..).step_by(stride).take(4000) {
        let free = primes.iter().enumerate().all(|(i, &p)| {
            let p = u64::from(p);
            let c = (r[i] + j % p * s[i]) % p;
            c != 0 && !(c + g[i]).is_multiple_of(p)
        });
        if free {
            return start + step * j;
        }
    }
    start.clone()
}

/// The big-endian magnitude without leading zeros (empty for zero).
fn magnitude(n: &BigUint) -> Vec<u8> {
    if n.bits() == 0 {
        Vec::new()
    } else {
        n.to_bytes_be()
    }
}

/// An RFC 4251 mpint of a non-negative value: minimal, with a zero byte
/// when the top bit of the magnitude is set.
fn mpint(n: &BigUint) -> Vec<u8> {
    let m = magnitude(n);
    if m.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v = vec![0];
        v.extend_from_slice(&m);
        v
    } else {
        m
    }
}

/// Big-endian, left-padded to `len` bytes (the value fits).
fn fixed(n: &BigUint, len: usize) -> Vec<u8> {
    let m = magnitude(n);
    let mut v = vec![0; len.saturating_sub(m.len())];
    v.extend_from_slice(&m);
    v
}

fn pick<T>(items: &[T], index: impl Into<usize>) -> &T {
    &items[index.into() % items.len()]
}

/// What the construction guarantees about the validator's answer.
#[derive(Default)]
struct Expect {
    /// Why the input must be refused, if it must.
    refuse: Option<String>,
    /// The key part is valid (a known-good key, the basepoint, a point on
    /// the curve): with nothing else wrong, the line must be accepted.
    valid: bool,
}

impl Expect {
    fn refuse(&mut self, why: impl Into<String>) {
        if self.refuse.is_none() {
            self.refuse = Some(why.into());
        }
    }
}

struct Rsa {
    e: BigUint,
    n: BigUint,
}

fn modulus(m: &Modulus, expect: &mut Expect) -> BigUint {
    let k = known();
    match *m {
        Modulus::Known(i) => {
            expect.valid = true;
            pick(&k.rsa, i).clone()
        }
        Modulus::Random { size, seed } => random_odd(size.bits(), &mut Rng(seed)),
        Modulus::SmallPrimeTimes { index, size, seed } => {
            let p = *pick(&k.primes, index);
            let cofactor_bits = size
                .bits()
                .saturating_sub(u64::from(32 - p.leading_zeros()));
            expect.refuse(format!("the modulus has the small prime factor {p}"));
            random_odd(cofactor_bits, &mut Rng(seed)) * p
        }
        Modulus::Square { size, seed } => {
            let two = BigUint::from(2u8);
            let r = random_odd(size.bits().div_ceil(2), &mut Rng(seed));
            let r = sieve(&r, &two, &BigUint::default());
            expect.refuse("the modulus is a perfect square");
            &r * &r
        }
        Modulus::FermatClose { size, seed, gap } => {
            // n = (a − b)(a + b) with a = p + b ≥ 2^39 and b ≤ 65536, so
            // b² < 2a − 1, ⌈√n⌉ = a and the first step of Fermat's method
            // finds a² − n = b².
            let b = BigUint::from(u32::from(gap) + 1);
            let two = BigUint::from(2u8);
            let p = random_odd((size.bits() / 2).max(40), &mut Rng(seed));
            let p = sieve(&p, &two, &(&b * 2u8));
            expect.refuse("the modulus is p·(p + 2b) with b ≤ 65536");
            let q = &p + &b * 2u8;
            p * q
        }
        Modulus::Roca { size, seed, a } => {
            let m = &k.roca_m;
            let start = random_bits(size.bits().saturating_sub(m.bits()), &mut Rng(seed)) * m
                + BigUint::from(65537u32).modpow(&BigUint::from(a), m);
            expect.refuse("the modulus has the roca structure");
            sieve(&start, m, &BigUint::default())
        }
        Modulus::Even { size, seed } => {
            let mut n = random_bits(size.bits(), &mut Rng(seed));
            n.set_bit(0, false);
            n
        }
        Modulus::Raw(ref bytes) => BigUint::from_bytes_be(&bytes[..bytes.len().min(2048)]),
    }
}

fn exponent(e: &Exponent, n: &BigUint) -> BigUint {
    match e {
        Exponent::F4 => BigUint::from(65537u32),
        Exponent::Three => BigUint::from(3u8),
        Exponent::Seventeen => BigUint::from(17u8),
        Exponent::Small(v) => BigUint::from(*v),
        Exponent::U32(v) => BigUint::from(*v),
        Exponent::U64(v) => BigUint::from(*v),
        Exponent::Wide(bytes) => BigUint::from_bytes_be(&bytes[..bytes.len().min(48)]),
        Exponent::EqualsN => n.clone(),
        Exponent::AboveN => n + 2u8,
    }
}

fn ed25519_key(key: &EdKey, expect: &mut Expect) -> Vec<u8> {
    match *key {
        EdKey::Basepoint => {
            expect.valid = true;
            ED25519_BASEPOINT.to_vec()
        }
        EdKey::Known(i) => {
            expect.valid = true;
            pick(&known().ed25519, i).to_vec()
        }
        EdKey::Bytes(b) => b.to_vec(),
        EdKey::SmallOrder { index, sign } => {
            let mut b = *pick(&ED25519_SMALL_ORDER, index);
            b[31] |= u8::from(sign) << 7;
            expect.refuse("the ed25519 key is a point of small order");
            b.to_vec()
        }
        EdKey::AbovePrime { k, sign } => {
            let mut b = below_2_255(0xed + k % 19);
            b[31] |= u8::from(sign) << 7;
            expect.refuse("the ed25519 key's y is not below p");
            b.to_vec()
        }
        EdKey::Length(ref bytes) => {
            let mut v = bytes[..bytes.len().min(80)].to_vec();
            if v.len() == 32 {
                v.push(0);
            }
            expect.refuse(format!("the ed25519 key is {} bytes", v.len()));
            v
        }
    }
}

fn ecdsa_point(curve: Curve, point: &Point, expect: &mut Expect) -> Vec<u8> {
    let len = curve.field_bytes();
    let p = curve.prime();
    let points = curve.points();
    let xy = |q: &[u8]| {
        (
            BigUint::from_bytes_be(&q[1..=len]),
            BigUint::from_bytes_be(&q[1 + len..]),
        )
    };
    match *point {
        Point::Valid { index, negate } => {
            let (x, y) = xy(pick(points, index).as_slice());
            let y = if negate { p - y } else { y };
            on_curve(curve, &x, &y, expect)
        }
        Point::FromX { ref x, negate } => {
            let n = curve.order();
            let mut x = match *x {
                XChoice::Random(seed) => random_bits(p.bits(), &mut Rng(seed)) % p,
                XChoice::Small(v) => BigUint::from(v),
                XChoice::AboveOrder(k) => n - 1u8 + k,
                XChoice::Raw(ref bytes) => {
                    BigUint::from_bytes_be(&bytes[..bytes.len().min(80)]) % p
                }
            };
            // About half of all x have a point; 64 tries all fail with
            // probability 2^-64.
            for _ in 0..64 {
                if let Some(y) = curve.y_for(&x) {
                    let y = if negate { (p - &y) % p } else { y };
                    return on_curve(curve, &x, &y, expect);
                }
                x = (x + 1u8) % p;
            }
            expect.refuse("no point was found");
            vec![0]
        }
        Point::Compressed { index } => {
            let q = pick(points, index);
            expect.refuse("the ecdsa point is compressed");
            let mut r = vec![0x02 | (q[2 * len] & 1)];
            r.extend_from_slice(&q[1..=len]);
            r
        }
        Point::Infinity => {
            expect.refuse("the ecdsa point is the point at infinity");
            vec![0]
        }
        Point::Zeros => {
            expect.refuse("the ecdsa point (0, 0) is not on the curve");
            let mut r = vec![0; 1 + 2 * len];
            r[0] = 4;
            r
        }
        Point::FlipY { index, bit } => {
            let mut q = pick(points, index).clone();
            let bit = usize::from(bit) % (8 * len);
            q[2 * len - bit / 8] ^= 1 << (bit % 8);
            let (_, y) = xy(pick(points, index).as_slice());
            let (x, flipped) = xy(&q);
            // Only y and p − y go with this x.
            if flipped != p - &y {
                expect.refuse("the ecdsa point's y was changed");
                q
            } else {
                on_curve(curve, &x, &flipped, expect)
            }
        }
        Point::OutOfRange { index, y, k } => {
            let mut q = pick(points, index).clone();
            let at = if y { 1 + len } else { 1 };
            q[at..at + len].copy_from_slice(&fixed(&(p + k), len));
            expect.refuse("an ecdsa coordinate is not below p");
            q
        }
        Point::Cut { index, len: cut } => {
            let q = pick(points, index);
            expect.refuse("the ecdsa point is too short");
            q[..usize::from(cut) % q.len()].to_vec()
        }
        Point::Extend { index, ref extra } => {
            let mut q = pick(points, index).clone();
            q.extend_from_slice(&extra[..extra.len().min(16)]);
            if extra.is_empty() {
                q.push(0);
            }
            expect.refuse("the ecdsa point is too long");
            q
        }
        Point::Raw(ref bytes) => {
            let q = bytes[..bytes.len().min(200)].to_vec();
            if q.len() != 1 + 2 * len || q[0] != 4 {
                expect.refuse("the ecdsa point is not 0x04 and two coordinates");
            }
            q
        }
    }
}

/// The uncompressed encoding of a point known to be on the curve: valid
/// when both coordinates are in OpenSSH's range, refused otherwise.
fn on_curve(curve: Curve, x: &BigUint, y: &BigUint, expect: &mut Expect) -> Vec<u8> {
    if curve.in_openssh_range(x) && curve.in_openssh_range(y) {
        expect.valid = true;
    } else {
        expect.refuse("an ecdsa coordinate is outside openssh's range");
    }
    let len = curve.field_bytes();
    let mut q = vec![4];
    q.extend(fixed(x, len));
    q.extend(fixed(y, len));
    q
}

fn application(app: &App, expect: &mut Expect) -> Vec<u8> {
    let v = match app {
        App::Ssh => b"ssh:".to_vec(),
        App::SshThen(rest) => {
            let mut v = b"ssh:".to_vec();
            v.extend_from_slice(&rest[..rest.len().min(32)]);
            v
        }
        App::Https => b"https://example.com".to_vec(),
        App::Empty => Vec::new(),
        App::Raw(bytes) => bytes[..bytes.len().min(32)].to_vec(),
    };
    // OpenSSH reads the application as a C string: no NUL inside.
    if !v.starts_with(b"ssh:") || v.contains(&0) {
        expect.refuse("the fido application does not start with ssh: or holds a nul");
    }
    v
}

const WORD_ALPHABET: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@.-_=,\"'+/:";

fn check(input: &Input) {
    let mut outer_name = None;
    let mut inner_name = None;
    let mut ident = None;
    let mut bad_mpint = None;
    let mut trailing = Vec::new();
    let mut lie = None;
    let mut b64_fault = None;
    let mut layout = Layout::Single;
    let mut comment_fault = None;
    for m in &input.mutations {
        match m {
            Mutation::OuterName(t) => outer_name = Some(*t),
            Mutation::InnerName(t) => inner_name = Some(*t),
            Mutation::Names(t) => {
                outer_name = Some(*t);
                inner_name = Some(*t);
            }
            Mutation::Ident(c) => ident = Some(*c),
            Mutation::Mpint { on_n, negative } => bad_mpint = Some((*on_n, *negative)),
            Mutation::Trailing(t) => trailing = t[..t.len().min(16)].to_vec(),
            Mutation::Lie { field, kind } => lie = Some((*field, *kind)),
            Mutation::Base64(f) => b64_fault = Some(*f),
            Mutation::Layout(l) => layout = *l,
            Mutation::Comment(c) => comment_fault = Some(*c),
        }
    }

    let mut options = match input.policy.bounds {
        Bounds::Api => PublicKeyOptions::api(),
        Bounds::NoMin => PublicKeyOptions::api().without_min_length(),
        Bounds::Unbounded => PublicKeyOptions::api().without_length_bounds(),
    };
    let max_len = if input.policy.bounds == Bounds::Unbounded {
        PublicKeyLine::UNBOUNDED_MAX_LEN
    } else {
        PublicKeyLine::MAX_LEN
    };
    let min_rsa_bits = match input.policy.min_rsa_bits {
        MinBits::Default => PublicKeyLine::MIN_RSA_BITS,
        MinBits::B1024 => 1024,
        MinBits::B3072 => 3072,
        MinBits::B4096 => 4096,
    };
    options = options.min_rsa_bits(min_rsa_bits);
    let max_exponent_bits = match input.policy.max_exponent_bits {
        ExponentBits::Default => PublicKeyLine::MAX_RSA_EXPONENT_BITS,
        ExponentBits::B33 => 33,
        ExponentBits::B64 => 64,
        ExponentBits::B256 => 256,
    };
    options = options.max_rsa_exponent_bits(max_exponent_bits);

    // The key's own fields, and what they guarantee.
    let mut key_expect = Expect::default();
    let mut rsa = None;
    let mut ecdsa_curve = None;
    let (natural, bits, fields): (TypeName, u32, Vec<Vec<u8>>) = match &input.key {
        Key::Rsa { e, n } => {
            let n = modulus(n, &mut key_expect);
            let e = exponent(e, &n);
            let x = &mut key_expect;
            if n.bits() > u64::from(PublicKeyLine::MAX_RSA_BITS) {
                x.refuse("the modulus has more than 16384 bits");
            }
            if n.bits() < u64::from(min_rsa_bits) {
                x.refuse("the modulus is below the floor");
            }
            if !n.bit(0) {
                x.refuse("the modulus is even");
            }
            if e < BigUint::from(3u8) || !e.bit(0) {
                x.refuse("e is below 3 or even");
            }
            if e.bits() > u64::from(max_exponent_bits) || e >= n {
                x.refuse("e is too large");
            }
            let (mut me, mut mn) = (mpint(&e), mpint(&n));
            if let Some((on_n, negative)) = bad_mpint {
                let m = if on_n { &mut mn } else { &mut me };
                if negative {
                    // Drop the sign byte, or prepend 0xff.
                    if m.len() >= 2 && m[0] == 0 {
                        m.remove(0);
                    } else {
                        m.insert(0, 0xff);
                    }
                    x.refuse("an mpint is negative");
                } else {
                    m.insert(0, 0);
                    x.refuse("an mpint has an unnecessary leading zero");
                }
            }
            let bits = n.bits() as u32;
            rsa = Some(Rsa { e, n });
            (TypeName::Rsa, bits, vec![me, mn])
        }
        Key::Ed25519(key) => (
            TypeName::Ed25519,
            256,
            vec![ed25519_key(key, &mut key_expect)],
        ),
        Key::SkEd25519 { key, app } => {
            let k = ed25519_key(key, &mut key_expect);
            let a = application(app, &mut key_expect);
            (TypeName::SkEd25519, 256, vec![k, a])
        }
        Key::Ecdsa { curve, point } => {
            ecdsa_curve = Some(*curve);
            let q = ecdsa_point(*curve, point, &mut key_expect);
            let id = ident.map_or(curve.identifier(), CurveName::as_bytes);
            if id != curve.identifier() {
                key_expect.refuse("the curve identifier is not the key type's");
            }
            (curve.name(), curve.bits(), vec![id.to_vec(), q])
        }
        Key::SkEcdsa { point, app } => {
            ecdsa_curve = Some(Curve::P256);
            let q = ecdsa_point(Curve::P256, point, &mut key_expect);
            let a = application(app, &mut key_expect);
            let id = ident.map_or(Curve::P256.identifier(), CurveName::as_bytes);
            if id != Curve::P256.identifier() {
                key_expect.refuse("the curve identifier is not nistp256");
            }
            (TypeName::SkNistp256, 256, vec![id.to_vec(), q, a])
        }
    };

    let outer = outer_name.unwrap_or(natural);
    let inner = inner_name.unwrap_or(natural);
    let mut expect = Expect::default();
    if !outer.accepted() {
        expect.refuse(format!("the type {:?} is not accepted", outer.as_str()));
    }
    if outer != inner {
        expect.refuse("the blob's type differs from the line's");
    }

    // Frame the blob, perhaps with a lying length.
    let mut blob = Vec::new();
    let all: Vec<&[u8]> = std::iter::once(inner.as_str().as_bytes())
        .chain(fields.iter().map(Vec::as_slice))
        .collect();
    let mut lied = false;
    for (i, f) in all.iter().enumerate() {
        let len = f.len() as u32;
        let framed = match lie {
            Some((field, kind)) if usize::from(field) % all.len() == i => kind.apply(len),
            _ => len,
        };
        lied |= framed != len;
        blob.extend_from_slice(&framed.to_be_bytes());
        blob.extend_from_slice(f);
    }
    blob.extend_from_slice(&trailing);
    // The key's guarantees hold when the blob is read as the key it was
    // built as.
    let structural = outer == natural && inner == natural && !lied;
    if structural {
        if let Some(why) = key_expect.refuse.take() {
            expect.refuse(why);
        }
        if !trailing.is_empty() {
            expect.refuse("bytes follow the last field");
        }
    }

    let mut data = Base64::encode_string(&blob);
    match b64_fault {
        Some(B64Fault::NoPadding) if data.ends_with('=') => {
            data = data.trim_end_matches('=').to_owned();
            expect.refuse("the base64 has no padding");
        }
        Some(B64Fault::UrlSafe) if data.contains(['+', '/']) => {
            data = data.replace('+', "-").replace('/', "_");
            expect.refuse("the base64 uses the url-safe alphabet");
        }
        Some(B64Fault::StrayBits) if data.ends_with('=') => {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut bytes = data.into_bytes();
            let at = bytes.iter().rposition(|&b| b != b'=').expect("data");
            let v = ALPHABET
                .iter()
                .position(|&c| c == bytes[at])
                .expect("alphabet");
            bytes[at] = ALPHABET[v | 1];
            data = String::from_utf8(bytes).expect("ascii");
            expect.refuse("the base64 has stray bits");
        }
        Some(B64Fault::Truncate(k)) => {
            data.truncate(data.len() - (1 + usize::from(k) % 3));
            expect.refuse("the base64 is truncated");
        }
        _ => {}
    }

    // The comment, as words.
    let mut words: Vec<String> = input
        .comment
        .iter()
        .take(4)
        .map(|w| {
            w.0.iter()
                .take(16)
                .map(|&b| char::from(WORD_ALPHABET[usize::from(b) % WORD_ALPHABET.len()]))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(fault) = comment_fault {
        let (word, printable) = match fault {
            CommentFault::Unicode => ("café", true),
            CommentFault::Escape => ("\u{1b}[2J", false),
            CommentFault::Nul => ("a\0b", false),
            CommentFault::Del => ("a\u{7f}", false),
            CommentFault::Bidi => ("\u{202e}txt", false),
            CommentFault::ZeroWidth => ("a\u{200b}b", false),
            CommentFault::LooksLikeType => ("ssh-rsa", true),
        };
        words.push(word.to_owned());
        if !printable {
            expect.refuse("the comment has a character that is not printable");
        }
    }
    let head = format!("{} {data}", outer.as_str());
    let mut normalised = head.clone();
    for w in &words {
        normalised.push(' ');
        normalised.push_str(w);
    }
    if input.policy.bounds == Bounds::Api {
        let len = normalised.chars().count();
        if len < PublicKeyLine::MIN_LEN {
            let pad = "x".repeat((PublicKeyLine::MIN_LEN - len - 1).max(1));
            normalised.push(' ');
            normalised.push_str(&pad);
            words.push(pad);
        }
    }
    if normalised.chars().count() > max_len {
        expect.refuse("the line is too long");
    }

    let sep = match layout {
        Layout::Tabs => "\t",
        Layout::Runs => " \t  ",
        _ => " ",
    };
    let mut line = format!("{}{sep}{data}", outer.as_str());
    for w in &words {
        line.push_str(sep);
        line.push_str(w);
    }
    let line = match layout {
        Layout::Single | Layout::Tabs | Layout::Runs => line,
        Layout::Surrounded => format!(" \t{line}\t  "),
        Layout::Lf => format!("{line}\n"),
        Layout::CrLf => format!("{line}\r\n"),
        Layout::BlankLines => format!("\r\n \n{line}\n\n"),
        Layout::SecondLine => {
            expect.refuse("a second line follows the key");
            format!("{line}\n{line}")
        }
        Layout::CrInComment => {
            expect.refuse("a carriage return inside the line");
            format!("{line} a\rb")
        }
    };

    let must_accept = structural && expect.refuse.is_none() && key_expect.valid;
    match PublicKeyLine::with_options(&line, &options) {
        Ok(key) => {
            if let Some(why) = &expect.refuse {
                panic!("accepted although {why}: {line:?}");
            }
            assert_eq!(key.key_type().as_str(), outer.as_str());
            assert_eq!(key.as_str(), normalised);
            assert_eq!(key.blob(), blob);
            assert_eq!(
                key.comment(),
                normalised
                    .get(head.len() + 1..)
                    .filter(|_| !words.is_empty())
            );
            assert_eq!(
                key.fingerprint_sha256(),
                keygen_core::sha256_fingerprint(&blob)
            );
            assert_eq!(key.fingerprint_md5(), keygen_core::md5_fingerprint(&blob));
            if structural {
                assert_eq!(key.bits(), bits);
                if let Some(Rsa { e, n }) = &rsa {
                    check_rsa(e, n, min_rsa_bits, max_exponent_bits);
                }
                if let Some(curve) = ecdsa_curve {
                    let len = curve.field_bytes();
                    let q = &fields[1];
                    assert_eq!(q.len(), 1 + 2 * len);
                    for c in [&q[1..=len], &q[1 + len..]] {
                        assert!(
                            curve.in_openssh_range(&BigUint::from_bytes_be(c)),
                            "an ecdsa coordinate outside openssh's range accepted"
                        );
                    }
                }
            }
            let again = PublicKeyLine::with_options(key.as_str(), &options)
                .expect("the normalised line re-validates");
            assert_eq!(again, key);
            assert_eq!(again.fingerprint_sha256(), key.fingerprint_sha256());
            assert_eq!(again.fingerprint_md5(), key.fingerprint_md5());
        }
        Err(rejection) => {
            assert!(
                !must_accept,
                "refused a valid key ({}): {line:?}",
                rejection.message()
            );
            assert_eq!(rejection.field(), "publicKey");
            assert!((1100..1200).contains(&rejection.code()));
            assert!(rejection.message().starts_with("publicKey: "));
        }
    }
}

/// The RSA policy, checked independently on an accepted key: sizes and
/// exponent, no prime factor below 2000 and not a perfect square.
fn check_rsa(e: &BigUint, n: &BigUint, min_bits: u32, max_exponent_bits: u32) {
    assert!((u64::from(min_bits)..=16384).contains(&n.bits()));
    assert!(n.bit(0), "even modulus accepted");
    assert!(e.bit(0) && *e >= BigUint::from(3u8) && e < n);
    assert!(e.bits() <= u64::from(max_exponent_bits));
    for &p in known().primes.iter().take_while(|&&p| p < 2000) {
        assert!((n % p).bits() != 0, "modulus with the factor {p} accepted");
    }
    let r = n.sqrt();
    assert!(&r * &r != *n, "square modulus accepted");
}

/// Decodes `data` into a key description (as libFuzzer's `fuzz_target!`
/// does for an `Arbitrary` input) and checks it.
///
/// # Panics
///
/// When a property above does not hold.
pub fn run(data: &[u8]) {
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        check(&input);
    }
}
