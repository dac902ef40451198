#!/usr/bin/env python3
"""Writes the public-key test vectors of keygen-core from ssh-keygen output.

Usage: generate.py KEYDIR OUTDIR RFC8032_OUT

KEYDIR holds the keys generate.sh made with ssh-keygen. Good vectors are
named ok_*.pub; each bad vector is named fail_<reason>_*.pub after the
refusal reason it must get, and differs from a good key in one way.
Crafted RSA moduli (ROCA structure, close primes, ...) use a seeded RNG so
reruns give the same files. Python standard library only.
"""

import base64
import hashlib
import math
import os
import random
import struct
import sys

RNG = random.Random(20240601)
PAD_TO = 520  # characters; the API's minimum is 512


# --- RFC 4251 section 5 encodings -------------------------------------------

def string(b):
    return struct.pack(">I", len(b)) + b


def mpint(x):
    if x == 0:
        return string(b"")
    return string(x.to_bytes((x.bit_length() + 8) // 8, "big"))


def read_fields(blob):
    out = []
    while blob:
        (n,) = struct.unpack(">I", blob[:4])
        out.append(blob[4 : 4 + n])
        blob = blob[4 + n :]
    return out


def b64(blob):
    return base64.b64encode(blob).decode()


def line(ktype, blob, comment=""):
    s = f"{ktype} {b64(blob)}"
    return f"{s} {comment}" if comment else s


def pad(text, to=PAD_TO):
    """Adds a comment so the line reaches `to` characters."""
    if len(text) >= to:
        return text
    filler = "padding-comment-"
    need = to - len(text) - 1
    return text + " " + (filler * (need // len(filler) + 1))[:need]


def load(keydir, name):
    with open(os.path.join(keydir, name + ".pub")) as f:
        t, data = f.read().split()[:2]
    return t, base64.b64decode(data)


# --- Number theory ------------------------------------------------------------

def is_probable_prime(n, rounds=32, rng=None):
    """Miller-Rabin with `rounds` random bases drawn from `rng` (default RNG)."""
    rng = rng or RNG
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def next_prime(n, rng=None):
    n |= 1
    while not is_probable_prime(n, rng=rng):
        n += 2
    return n


def random_prime(bits, rng=RNG):
    while True:
        p = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if is_probable_prime(p, rng=rng):
            return p


def rsa_blob(e, n):
    return string(b"ssh-rsa") + mpint(e) + mpint(n)


def isqrt(n):
    return math.isqrt(n)


# --- Ed25519 (RFC 8032 section 5.1) ----------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def ed_recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def ed_add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return x3, y3


def ed_mul(k, pt):
    acc = (0, 1)
    while k:
        if k & 1:
            acc = ed_add(acc, pt)
        pt = ed_add(pt, pt)
        k >>= 1
    return acc


def ed_encode(pt):
    x, y = pt
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


B = (ed_recover_x(4 * pow(5, P - 2, P) % P, 0), 4 * pow(5, P - 2, P) % P)


def ed25519_public(secret):
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return ed_encode(ed_mul(a, B))


def ed_blob(key, ktype=b"ssh-ed25519"):
    return string(ktype) + string(key)


# RFC 8032 section 7.1: secret keys and the public keys printed beside them.
RFC8032 = [
    ("TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
    ("TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
    ("TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
    ("TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e"),
    ("TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"),
]


# --- ROCA structure ------------------------------------------------------------

ROCA_M = 1
for _p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
           79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167):
    ROCA_M *= _p


P256 = 2**256 - 2**224 + 2**192 + 2**96 - 1
B256 = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b
N256 = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551


def p256_point_from(x):
    """The first point of P-256 whose x is at least the given one."""
    while True:
        rhs = (x**3 - 3 * x + B256) % P256
        y = pow(rhs, (P256 + 1) // 4, P256)  # P256 = 3 mod 4
        if y * y % P256 == rhs:
            return x, y
        x += 1


def roca_prime(bits):
    """A prime k*M + (65537^a mod M), the form of Infineon's RSALib (ROCA),
    at least sqrt(2) * 2^(bits-1) so that a product of two has 2*bits bits."""
    lo = math.isqrt(2 ** (2 * bits - 1)) // ROCA_M + 1
    hi = 2**bits // ROCA_M - 1
    while True:
        a = RNG.randrange(1, 2**62)
        p = RNG.randrange(lo, hi) * ROCA_M + pow(65537, a, ROCA_M)
        if is_probable_prime(p):
            return p


def roca_modulus(bits):
    n = roca_prime(bits // 2) * roca_prime(bits // 2)
    assert n.bit_length() == bits
    return n


# --- Vectors -----------------------------------------------------------------------

# --- Known shared primes and a prime modulus --------------------------------

# badkeys' test key tests/data/rsa-sharedprimes.key (github.com/badkeys/badkeys,
# commit 9372dd3e04d7de56fd07f44c06958c82c1b43288, MIT licence): a 2048-bit
# public key of a certificate (crt.sh id 5534506057) whose modulus has a prime
# of badkeys' keydata/primes2048.dat, the list keygen-core builds in. PKCS#1
# RSAPublicKey, DER in base64, as in that file.
SHARED_PRIME_KEY = (
    "MIIBCgKCAQEAtQS720djHoBY2eXEDsMNGi6GWY/B37TyGO6tAgQJnweAvk5ABi3A"
    "KaOJzHQLmqpkzzh92z2FHzZpKoOiy4Eq0tt4J20zgFPiYdAG5mffTcgtMhymCXBc"
    "AaUjuZCcyYIIDdENnaP3wTPo0FEdWozb0/4+SNJ1IhlwyQGUu77mAHgr3Q2j/GqY"
    "0RSIbikmgV7NUpf6PA8JAlm2+lQQj9YjurMI5K9BQZPRGm84E2nSe4zT2NkaKrzO"
    "bH+mFd5dRlzi00FXaMF06ViYiwKgW27ef1ZCD3Z0yFZ7uaNaGAnflsOUsoaMutSk"
    "QPs0JEAVmnVkjCfpTKylM9D/B0ZjutZspQIDAQAB"
)


def der_read(data):
    """One DER element: (tag, contents, rest)."""
    tag, length, data = data[0], data[1], data[2:]
    if length & 0x80:
        k = length & 0x7F
        length, data = int.from_bytes(data[:k], "big"), data[k:]
    return tag, data[:length], data[length:]


def pkcs1_public(der):
    """(n, e) of a DER RSAPublicKey (RFC 8017 appendix A.1.1)."""
    tag, seq, rest = der_read(der)
    assert tag == 0x30 and not rest
    tag, n, seq = der_read(seq)
    assert tag == 0x02
    tag, e, seq = der_read(seq)
    assert tag == 0x02 and not seq
    return int.from_bytes(n, "big"), int.from_bytes(e, "big")


def shared_prime_vectors(put):
    """The vectors of the shared-prime and prime-modulus checks. They use
    their own seeded RNG and no ssh-keygen key, so they can be rewritten
    alone: python3 -c 'import generate; generate.write_shared_prime_vectors(".")'
    """
    n, e = pkcs1_public(base64.b64decode(SHARED_PRIME_KEY))
    assert n.bit_length() == 2048 and e == 65537
    put("fail_rsa_known_shared_prime_crtsh.pub",
        pad(line("ssh-rsa", rsa_blob(e, n), "badkeys-rsa-sharedprimes")))
    rng = random.Random(17140)
    p = random_prime(2048, rng)
    put("fail_rsa_modulus_prime_2048.pub", pad(line("ssh-rsa", rsa_blob(65537, p), "prime")))


def write_shared_prime_vectors(out):
    files = {}
    shared_prime_vectors(lambda name, text: files.__setitem__(name, text + "\n"))
    for name, text in sorted(files.items()):
        with open(os.path.join(out, name), "w", newline="") as f:
            f.write(text)


def rfc_example_vectors(insecure_dir, ed_good, put):
    """Vectors of the line rules and the RFC example keys of the built-in
    blocklist: `ed_good` is a good padded Ed25519 line."""
    # A key file as OpenSSH's test keys end: the line, then an empty line.
    put("ok_ed25519_trailing_blank_lines.pub", ed_good + "\n\n")
    with open(os.path.join(insecure_dir, "rfc-example-keys.pub")) as f:
        keys = {l.split()[2]: l.split()[:2] for l in f if l.strip() and not l.startswith("#")}
    for name, vector in (("rsa2048-rfc7517-A", "rfc7517_rsa2048"),
                         ("ecdsap256-rfc7515", "rfc7515_a3_p256"),
                         ("ed25519-rfc8410", "rfc8410_ed25519")):
        t, data = keys[name]
        put(f"fail_public_key_blocklisted_{vector}.pub", pad(f"{t} {data} {name}"))


# --- Bit patterns of the modulus (badkeys' rsapoly and xzbackdoor) -----------
# These draw from their own generator, so adding them left the other vectors
# as they were.

def bit_percent(x):
    return x.bit_count() * 100 // x.bit_length()


def sparse_family(n):
    """badkeys' rsapoly decision (rsakeys/rsapoly.py) for a modulus without
    small factors: None, "nautilus", "completeftp" or "" (sparse, no family)."""
    def checkbits(width, mask):
        m, seen, zero_chunks = n >> width, 0, 0
        while m:
            seen |= m & mask
            m >>= width
            if m & ((1 << width) - 1) == 0:
                zero_chunks += 1
        return zero_chunks < 2 and seen == 0

    lower = n % (1 << (n.bit_length() // 2))
    if bit_percent(n) >= 40 or n.bit_length() < 500 or bit_percent(lower) >= 40:
        return None
    if checkbits(128, 0xFFFF_FFFF_FFFF_0000):
        return "nautilus"
    if checkbits(32, 0x3FF0_0000):
        return "completeftp"
    return ""


def xz_command(n):
    """The CVE-2024-3094 command number in n's first 16 bytes as an ASN.1
    INTEGER (a leading 0x00 when the top bit is set), or None."""
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if nb[0] & 0x80:
        nb = b"\0" + nb
    a, b, c = (int.from_bytes(nb[i:j], "little") for i, j in ((0, 4), (4, 8), (8, 16)))
    cmd = (a * b + c) % 2**64
    return cmd if cmd <= 3 else None


def completeftp_prime(rng, top):
    """CompleteFTP 10.0.0-12.0.0's layout: one random byte at the bottom of
    each of 32 words of 32 bits, under the single top bit 2^top. The real
    keys take top = 1023 for both primes and have 2047 bits; one prime with
    top = 1024 gives 2048 bits and keeps the layout."""
    while True:
        p = 1 << top
        for i in range(32):
            p += rng.getrandbits(8) << (32 * i)
        p |= 1
        if is_probable_prime(p, rng=rng):
            return p


def nautilus_prime(rng):
    """The "nautilus" layout: 32 random bits at the top of each 128-bit
    chunk, zeros elsewhere, then the next prime (the top two bits set, so a
    product has 2048 bits)."""
    p0 = 0
    for i in range(8):
        r = rng.getrandbits(32) | (0xC000_0000 if i == 7 else 0)
        p0 += r << (128 * i + 96)
    return next_prime(p0, rng)


def xz_backdoor_modulus(rng, bits=4096):
    """A product of two primes whose first 16 bytes (as an ASN.1 INTEGER)
    carry a backdoor command: fix the top 120 bits of a target T, take a
    random prime p and q = nextprime(T // p); p * q differs from T only in
    its low ~bits/2 + 16 bits, so the header survives."""
    while True:
        cmd = rng.randrange(4)
        top = [rng.getrandbits(8) for _ in range(7)]
        top[0] |= 0x80
        a = int.from_bytes(bytes([0] + top[0:3]), "little")
        b = int.from_bytes(bytes(top[3:7]), "little")
        c = (cmd - a * b) % 2**64
        header = bytes(top) + c.to_bytes(8, "little")  # n's first 15 bytes
        low_bits = bits - 8 * len(header)
        target = int.from_bytes(header, "big") << low_bits | rng.getrandbits(low_bits)
        while True:
            p = rng.getrandbits(bits // 2) | (1 << (bits // 2 - 1)) | 1
            if is_probable_prime(p, rng=rng):
                break
        q = next_prime(target // p, rng)
        n = p * q
        if n.bit_length() == bits and xz_command(n) == cmd and sparse_family(n) is None:
            return n


def main():
    keydir, out, rfc_out = sys.argv[1:4]
    files = {}

    def put(name, text):
        files[name] = text if text.endswith("\n") else text + "\n"

    # Good keys from ssh-keygen, padded to the API's minimum where needed.
    good = {}
    for name in ("rsa2048", "rsa3072", "rsa4096", "rsa8192", "ed25519",
                 "ecdsa256", "ecdsa384", "ecdsa521"):
        t, blob = load(keydir, name)
        good[name] = (t, blob)
        put(f"ok_{name}.pub", pad(line(t, blob, "user@example")))

    ed_t, ed = good["ed25519"]
    ed_key = read_fields(ed)[1]
    r3_t, r3 = good["rsa3072"]
    _, e3, n3 = read_fields(r3)
    n3 = int.from_bytes(n3, "big")
    ec_t, ec = good["ecdsa256"]
    _, ec_id, ec_q = read_fields(ec)

    # FIDO keys, crafted (no authenticator here): the key of a good key plus
    # the application string of PROTOCOL.u2f.
    put("ok_sk_ed25519.pub", pad(line("sk-ssh-ed25519@openssh.com",
        string(b"sk-ssh-ed25519@openssh.com") + string(ed_key) + string(b"ssh:"), "yubikey")))
    put("ok_sk_ecdsa256.pub", pad(line("sk-ecdsa-sha2-nistp256@openssh.com",
        string(b"sk-ecdsa-sha2-nistp256@openssh.com") + string(ec_id) + string(ec_q) + string(b"ssh:"),
        "yubikey")))
    # RSA with e = 3 and e = 2^32 + ... (accepted, with a warning).
    while True:
        p, q = random_prime(1536), random_prime(1536)
        if (p - 1) % 3 and (q - 1) % 3 and (p * q).bit_length() == 3072:
            break
    put("ok_rsa3072_e3.pub", line("ssh-rsa", rsa_blob(3, p * q), "e3"))
    # Primes far enough apart that Fermat's method needs far more than 256 steps.
    x = RNG.getrandbits(1536) | (3 << 1534)
    p = next_prime(x)
    q = next_prime(x + (1 << 790))
    put("ok_rsa3072_fermat_far.pub", line("ssh-rsa", rsa_blob(65537, p * q), "far-primes"))

    ed_line = lambda blob, t="ssh-ed25519": pad(line(t, blob, "user@example"))
    rsa_line = lambda blob, t="ssh-rsa": line(t, blob, "user@example")

    # --- the line
    put("fail_public_key_too_short_ed25519.pub", line(ed_t, ed, "user@example"))
    put("fail_public_key_too_long_rsa8192.pub",
        pad(line(*good["rsa8192"], "user@example"), 2001))
    put("fail_public_key_multiple_lines_two_keys.pub",
        ed_line(ed) + "\n" + ed_line(ed))
    put("fail_public_key_multiple_lines_cr.pub", ed_line(ed) + "\rssh-ed25519 x")
    put("fail_public_key_control_character_nul.pub", ed_line(ed) + "\0")
    put("fail_public_key_control_character_escape.pub", ed_line(ed) + " \x1b[2J")
    put("fail_public_key_options_prefix_command.pub", 'command="/bin/sh -c id" ' + ed_line(ed))
    put("fail_public_key_options_prefix_restrict.pub", "restrict " + ed_line(ed))
    put("fail_public_key_options_prefix_from.pub", 'from="10.0.0.0/8" ' + ed_line(ed))
    t, cert = load(keydir, "ed25519-cert")
    put("fail_public_key_certificate_ed25519.pub", pad(line(t, cert, "user@example")))
    t, dsa = load(keydir, "dsa")
    put("fail_public_key_dsa.pub", pad(line(t, dsa, "user@example")))
    put("fail_public_key_signature_algorithm_rsa_sha2_256.pub", rsa_line(r3, "rsa-sha2-256"))
    put("fail_public_key_unknown_type_ed448.pub",
        ed_line(string(b"ssh-ed448") + string(bytes(57)), "ssh-ed448"))
    put("fail_public_key_missing_data.pub", "ssh-ed25519")

    # --- base64
    data = b64(r3)
    assert data.endswith("=") and not data.endswith("==")
    last = data[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stray = alphabet[alphabet.index(last) | 1]  # a non-zero unused low bit
    assert stray != last or alphabet.index(last) & 1
    if stray == last:
        stray = alphabet[alphabet.index(last) | 2]
    put("fail_public_key_base64_stray_bits.pub", f"ssh-rsa {data[:-2]}{stray}= user@example")
    put("fail_public_key_base64_no_padding.pub", f"ssh-rsa {data[:-1]} user@example")
    i = next(i for i, c in enumerate(data) if c in "+/")
    urlsafe = data[:i] + {"+": "-", "/": "_"}[data[i]] + data[i + 1 :]
    put("fail_public_key_base64_urlsafe.pub", f"ssh-rsa {urlsafe} user@example")

    # --- the blob
    put("fail_public_key_blob_truncated_ed25519.pub",
        ed_line(string(b"ssh-ed25519") + struct.pack(">I", 32) + ed_key[:31]))
    put("fail_public_key_blob_trailing_data_ed25519.pub", ed_line(ed + b"\0"))
    put("fail_public_key_type_mismatch_ecdsa.pub",
        pad(line("ecdsa-sha2-nistp384", ec, "user@example")))
    put("fail_public_key_mpint_negative_rsa.pub",
        rsa_line(string(b"ssh-rsa") + mpint(65537) + string(n3.to_bytes(384, "big"))))
    put("fail_public_key_mpint_not_minimal_rsa.pub",
        rsa_line(string(b"ssh-rsa") + string(b"\0\x01\0\x01") + mpint(n3)))

    # --- RSA policy
    t, r1024 = load(keydir, "rsa1024")
    put("fail_rsa_modulus_too_small_1024.pub", pad(line(t, r1024, "user@example")))
    # Only the size matters here: it is checked before anything else.
    big = RNG.getrandbits(16392) | (1 << 16391) | 1
    put("fail_rsa_modulus_too_large_unbounded.pub", line("ssh-rsa", rsa_blob(65537, big)))
    put("fail_rsa_modulus_even.pub", rsa_line(rsa_blob(65537, n3 + 1)))
    put("fail_rsa_exponent_too_small_1.pub", rsa_line(rsa_blob(1, n3)))
    put("fail_rsa_exponent_even.pub", rsa_line(rsa_blob(65536, n3)))
    put("fail_rsa_exponent_too_large_33_bits.pub", rsa_line(rsa_blob(2**32 + 15, n3)))
    q = random_prime(3055)
    put("fail_rsa_small_prime_factor_65537.pub", rsa_line(rsa_blob(65537, 65537 * q)))
    q = random_prime(3071)
    put("fail_rsa_small_prime_factor_3.pub", rsa_line(rsa_blob(65537, 3 * q)))
    p = random_prime(1536)
    put("fail_rsa_square_modulus.pub", rsa_line(rsa_blob(65537, p * p)))
    x = RNG.getrandbits(1536) | (3 << 1534)
    p = next_prime(x)
    q = next_prime(p + (1 << 700))
    put("fail_rsa_fermat_factorable_close.pub", rsa_line(rsa_blob(65537, p * q)))
    # About 100 steps: (p - q)^2 / (8 sqrt(n)) ~ 100.
    gap = isqrt(800 * isqrt(p * p))
    q = next_prime(p + 2 * (gap // 2))
    put("fail_rsa_fermat_factorable_100_steps.pub", rsa_line(rsa_blob(65537, p * q)))
    put("fail_rsa_roca_3072.pub", rsa_line(rsa_blob(65537, roca_modulus(3072))))
    put("fail_rsa_roca_2048.pub", pad(rsa_line(rsa_blob(65537, roca_modulus(2048)))))
    # Wiener: d of ~500 bits < n^(1/4)/3 for a 2048-bit n; e is then ~n.
    while True:
        p, q = random_prime(1024), random_prime(1024)
        phi = (p - 1) * (q - 1)
        d = RNG.getrandbits(500) | (1 << 499) | 1
        try:
            e = pow(d, -1, phi)
        except ValueError:
            continue
        if e % 2 == 1 and (p * q).bit_length() == 2048:
            break
    put("fail_rsa_small_private_exponent_large_e.pub", pad(rsa_line(rsa_blob(e, p * q))))
    # Sparse moduli of the two known families (badkeys' rsapoly), and a
    # modulus with the xz backdoor's command header; from their own RNG.
    bits_rng = random.Random(3094)
    for family, make in (
        ("completeftp", lambda: completeftp_prime(bits_rng, 1023) * completeftp_prime(bits_rng, 1024)),
        ("nautilus", lambda: nautilus_prime(bits_rng) * nautilus_prime(bits_rng)),
    ):
        n = make()
        assert n.bit_length() == 2048
        assert sparse_family(n) == family, family
        assert xz_command(n) is None
        put(f"fail_rsa_sparse_modulus_{family}.pub",
            pad(rsa_line(rsa_blob(65537, n))))
    put("fail_rsa_xz_backdoor_4096.pub",
        rsa_line(rsa_blob(65537, xz_backdoor_modulus(bits_rng))))

    # --- ECDSA
    ec_line = lambda blob, t="ecdsa-sha2-nistp256": pad(line(t, blob, "user@example"))
    x, y = ec_q[1:33], ec_q[33:]
    put("fail_ecdsa_curve_mismatch.pub",
        ec_line(string(b"ecdsa-sha2-nistp256") + string(b"nistp384") + string(ec_q)))
    ysign = 2 + (y[-1] & 1)
    put("fail_ecdsa_point_encoding_compressed.pub",
        ec_line(string(b"ecdsa-sha2-nistp256") + string(ec_id) + string(bytes([ysign]) + x)))
    put("fail_ecdsa_point_at_infinity.pub",
        ec_line(string(b"ecdsa-sha2-nistp256") + string(ec_id) + string(b"\0")))
    p256 = 2**256 - 2**224 + 2**192 + 2**96 - 1
    put("fail_ecdsa_coordinate_out_of_range.pub",
        ec_line(string(b"ecdsa-sha2-nistp256") + string(ec_id)
                + string(b"\x04" + p256.to_bytes(32, "big") + y)))
    # Valid SEC 1 points that OpenSSH's sshkey_ec_validate_public refuses:
    # x with at most half the order's bits, and x not below order − 1.
    for name, x0 in (("small_x", 1), ("x_above_order", N256 - 1)):
        px, py = p256_point_from(x0)
        put(f"fail_ecdsa_coordinate_out_of_range_{name}.pub",
            ec_line(string(b"ecdsa-sha2-nistp256") + string(ec_id)
                    + string(b"\x04" + px.to_bytes(32, "big") + py.to_bytes(32, "big"))))
    y_off = y[:-1] + bytes([y[-1] ^ 1])
    put("fail_ecdsa_point_not_on_curve.pub",
        ec_line(string(b"ecdsa-sha2-nistp256") + string(ec_id) + string(b"\x04" + x + y_off)))

    # --- Ed25519
    put("fail_ed25519_key_length_31.pub", ed_line(ed_blob(ed_key[:31])))
    y = 2
    while ed_recover_x(y, 0) is not None:
        y += 1
    put("fail_ed25519_point_invalid_not_on_curve.pub", ed_line(ed_blob(y.to_bytes(32, "little"))))
    put("fail_ed25519_point_invalid_non_canonical.pub",
        ed_line(ed_blob((P + 1).to_bytes(32, "little"))))
    put("fail_ed25519_small_order_identity.pub", ed_line(ed_blob((1).to_bytes(32, "little"))))
    # A point of order 8: the torsion subgroup is generated by any such point.
    y = 2
    while True:
        xx = ed_recover_x(y, 0)
        if xx is not None:
            pt = ed_mul(L, (xx, y))  # kill the large-order part
            if pt != (0, 1) and ed_mul(4, pt) != (0, 1):
                break
        y += 1
    put("fail_ed25519_small_order_8.pub", ed_line(ed_blob(ed_encode(pt))))

    # --- FIDO
    put("fail_sk_application_https.pub", pad(line("sk-ssh-ed25519@openssh.com",
        string(b"sk-ssh-ed25519@openssh.com") + string(ed_key) + string(b"https://example.com"),
        "yubikey")))

    put("fail_sk_application_nul.pub", pad(line("sk-ssh-ed25519@openssh.com",
        string(b"sk-ssh-ed25519@openssh.com") + string(ed_key) + string(b"ssh:\0evil"),
        "yubikey")))

    # --- blocklist
    with open(os.path.join(os.path.dirname(rfc_out), "vagrant-insecure-rsa.pub")) as f:
        vt, vdata = f.read().split()[:2]
    put("fail_public_key_blocklisted_vagrant_rsa.pub", pad(f"{vt} {vdata} vagrant"))
    with open(os.path.join(os.path.dirname(rfc_out), "vagrant-insecure-ed25519.pub")) as f:
        vt, vdata = f.read().split()[:2]
    put("fail_public_key_blocklisted_vagrant_ed25519.pub", pad(f"{vt} {vdata} vagrant"))

    rfc_lines = [
        "# The Ed25519 test keys of RFC 8032 section 7.1: their secret keys are",
        "# printed in the RFC. Public keys derived from the secret keys by",
        "# crates/keygen-core/tests/examples/generate.py and checked against the RFC.",
    ]
    for label, secret, public in RFC8032:
        derived = ed25519_public(bytes.fromhex(secret))
        assert derived.hex() == public, label
        rfc_lines.append(line("ssh-ed25519", ed_blob(derived), "rfc8032-" + label.lower()
                              .replace(" ", "-").replace("(", "").replace(")", "")))
    with open(rfc_out, "w") as f:
        f.write("\n".join(rfc_lines) + "\n")
    put("fail_public_key_blocklisted_rfc8032_test1.pub", pad(rfc_lines[3]))

    # Last, with their own RNG: they leave every vector above unchanged.
    shared_prime_vectors(put)


    rfc_example_vectors(os.path.dirname(rfc_out), ed_line(ed), put)

    for name, text in sorted(files.items()):
        with open(os.path.join(out, name), "w", newline="") as f:
            f.write(text)
    print(f"wrote {len(files)} vectors")


if __name__ == "__main__":
    main()
