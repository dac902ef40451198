#!/bin/sh
# Regenerates the public-key test vectors of keygen-core (tests/validate_vectors.rs)
# and the RFC 8032 entries of the built-in blocklist.
#
# Good keys come from ssh-keygen; crafted keys (weak RSA moduli, bad points,
# broken encodings) from generate.py, each differing from a good key in one
# way. Needs ssh-keygen (openssh-client) and python3 (stdlib only).
# Usage: sh tests/examples/generate.sh   (from crates/keygen-core)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen() { # type bits name
    if [ -n "$2" ]; then
        ssh-keygen -q -N '' -C '' -t "$1" -b "$2" -f "$tmp/$3"
    else
        ssh-keygen -q -N '' -C '' -t "$1" -f "$tmp/$3"
    fi
}

gen rsa 1024 rsa1024
gen rsa 2048 rsa2048
gen rsa 3072 rsa3072
gen rsa 4096 rsa4096
gen rsa 8192 rsa8192
gen ed25519 '' ed25519
gen ecdsa 256 ecdsa256
gen ecdsa 384 ecdsa384
gen ecdsa 521 ecdsa521
gen dsa '' dsa
# A certificate of the Ed25519 key, signed by a throwaway CA.
gen ed25519 '' ca
ssh-keygen -q -s "$tmp/ca" -I keygen-test -n user "$tmp/ed25519.pub"

# Write into a scratch directory first so a failed run leaves the vectors alone.
mkdir "$tmp/out"
python3 generate.py "$tmp" "$tmp/out" ../../src/validate/insecure-keys/rfc8032-test-keys.pub
rm -f ./*.pub
mv "$tmp"/out/*.pub .
