#!/usr/bin/env python3
"""Writes primes.txt: 2048-bit primes p = k·2^s + 1 (k odd) for chosen s,
the test vectors of the Miller–Rabin kernels' strong-test chain (the
verdict depends on where −1 appears among the last s values).

Run: python3 make_primes.py > primes.txt   (deterministic: seeded)
"""
import random

def strong_probable_prime(n, bases):
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for b in bases:
        x = pow(b, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True

rng = random.Random(20261128)
print("# s and a 2048-bit prime p = k*2^s + 1 with k odd (hex), from make_primes.py")
for s in (1, 2, 5, 17, 40, 63, 64, 70):
    while True:
        k = rng.getrandbits(2048 - s) | (1 << (2047 - s)) | (1 << (2046 - s)) | 1
        p = (k << s) + 1
        if p.bit_length() != 2048:
            continue
        if any(p % q == 0 for q in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
            continue
        if strong_probable_prime(p, [2] + [rng.randrange(2, p - 1) for _ in range(16)]):
            print(s, format(p, "x"))
            break

# Two 1024-bit primes whose product has 2048 bits: the factors of a composite
# for which a base can be built (by the CRT) that fools the Fermat test but
# not the strong test.
while True:
    a = rng.getrandbits(1024) | (3 << 1022) | 1
    if strong_probable_prime(a, [2, 3, 5, 7, 11, 13, 17]):
        break
while True:
    b = rng.getrandbits(1024) | (3 << 1022) | 1
    if strong_probable_prime(b, [2, 3, 5, 7, 11, 13, 17]):
        break
print("factors", format(a, "x"), format(b, "x"))
