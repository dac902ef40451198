#!/usr/bin/env bash
# Builds the seed corpora of every fuzz target under DIR (one folder per
# target, named after it), from the test vectors, the seed page's example
# private key and one freshly generated key pair.
#
#   fuzz/seeds.sh DIR [KEYGEN]
#
# KEYGEN is the `keygen` binary to generate with (default: target/debug/keygen,
# built if missing). Needs python3.
set -euo pipefail
dir=${1:?usage: fuzz/seeds.sh DIR [KEYGEN]}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
keygen=${2:-target/debug/keygen}
[ -x "$keygen" ] || cargo build --locked -p keygen-cli
examples=crates/keygen-core/tests/examples

for t in ssh_pubkey ssh_key_diff ssh_blob_structured private_key_check request_fields create_body; do
  mkdir -p "$dir/$t"
done
cp "$examples"/*.pub "$dir/ssh_pubkey/"
cp "$examples"/*.pub "$dir/ssh_key_diff/"
# ssh_blob_structured decodes its input into a key description (arbitrary):
# it starts from an empty corpus.
cp crates/keygen-core/tests/data/seed-example-private-key.txt "$dir/private_key_check/"
"$keygen" generate | python3 -c 'import json,sys; print(json.load(sys.stdin)["privateKey"], end="")' \
  >"$dir/private_key_check/generated.txt"
python3 -c 'import base64,sys; sys.stdout.buffer.write(base64.b64decode(open(sys.argv[1]).read()))' \
  "$dir/private_key_check/generated.txt" >"$dir/private_key_check/generated.der"
printf 'deploy-key-1' >"$dir/request_fields/name"
printf 'team=a\nenv=prod' >"$dir/request_fields/tags"
printf '{"name":"k","description":"d","tags":{"a":"b"}}' >"$dir/create_body/generated"
python3 - "$dir/create_body/imported" "$examples/ok_ed25519.pub" <<'PY'
import json, sys
key = open(sys.argv[2]).read().strip()
open(sys.argv[1], "w").write(json.dumps({"name": "imported", "publicKey": key}))
PY
