#!/usr/bin/env bash
# Clients generated from openapi.json by two independent generators, each
# run against the live service (the `clients` stage of .ci/run):
# openapi-python-client (PyPI) and openapi-typescript + openapi-fetch (npm).
# Each scenario creates (generates and imports), finds, gets and deletes key
# pairs and meets the typed errors, asserting on the generated types.
#
# The generators' tools are installed on first use (about 1.5 minutes) and
# kept in $CARGO_TARGET_DIR/ci-clients (default target/ci-clients), where
# later runs reuse them while the pins below are unchanged. A generator's
# warning about the document fails the stage.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
here=.ci/clients
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target/ci-clients"
work=$(cd "$target/ci-clients" && pwd)
run=$(mktemp -d)
service_pid=
cleanup() {
  if [ -n "$service_pid" ]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  rm -rf "$run"
}
trap cleanup EXIT
step() { printf '\n--- %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "tools"
# openapi-python-client needs Python 3.11 or newer.
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  { echo "openapi-python-client needs python 3.11 or newer; this is $(python3 --version)" >&2; exit 1; }
missing=()
# Debian splits venv's pip bootstrap into python3-venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
node --version
venv=$work/venv
# The copy of the requirements in the venv marks a finished install.
if ! cmp -s "$here/python/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
  cp "$here/python/requirements.txt" "$venv/requirements.txt"
fi
ts=$work/typescript
# The copy of the lock file beside node_modules marks a finished install.
if ! cmp -s "$here/typescript/package-lock.json" "$ts/installed.lock"; then
  rm -rf "$ts"
  mkdir -p "$ts"
  cp "$here/typescript/package.json" "$here/typescript/package-lock.json" "$ts/"
  (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/typescript/package-lock.json" "$ts/installed.lock"
fi

step "the document"
"$venv/bin/openapi-spec-validator" openapi.json
"$venv/bin/python" "$here/check_document.py" openapi.json \
  crates/keygen-service/src/http/error.rs crates/keygen-core/src/validate/reason.rs

step "the service"
cargo build --locked -p keygen-service
token=clients-admin-token-0123456789
# Plain HTTP: the service allows it on loopback without a flag.
KEYGEN_ADMIN_TOKEN=$token "$target/debug/keygen-service" --listen 127.0.0.1:0 \
  --data-dir "$run/data" --pool-size 1 >"$run/out" 2>"$run/log" &
service_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$run/out" && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$run/out")
[ -n "$base" ] || { cat "$run/log" >&2; exit 1; }
echo "$base"
# The document as the service serves it is the one the generators read.
python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
  "$base/v1/openapi.json" >"$run/openapi.json"
cmp "$run/openapi.json" openapi.json
# The key both scenarios import, and its fingerprint as ssh-keygen prints it.
ssh-keygen -q -t rsa -b 3072 -N '' -C '' -f "$run/import"
fingerprint=$(ssh-keygen -l -E sha256 -f "$run/import.pub" | cut -d' ' -f2)

step "openapi-python-client"
# ruff (a dependency of the generator) formats the generated code.
PATH=$venv/bin:$PATH "$venv/bin/openapi-python-client" generate --path "$run/openapi.json" \
  --config "$here/python/config.yml" --meta none --output-path "$run/python/keygen_client" \
  >"$run/python.out" 2>&1 || { cat "$run/python.out" >&2; exit 1; }
if grep -qi 'warning\|error' "$run/python.out"; then
  cat "$run/python.out" >&2
  echo "openapi-python-client warned about the document" >&2
  exit 1
fi
PYTHONPATH=$run/python "$venv/bin/python" "$here/python/scenario.py" \
  "$base" "$token" "$run/import.pub" "$fingerprint"

step "openapi-typescript + openapi-fetch"
"$ts/node_modules/.bin/openapi-typescript" "$run/openapi.json" -o "$ts/schema.d.ts" \
  >"$run/typescript.out" 2>&1 || { cat "$run/typescript.out" >&2; exit 1; }
cat "$run/typescript.out"
if grep -qi 'warn\|error' "$run/typescript.out"; then
  echo "openapi-typescript warned about the document" >&2
  exit 1
fi
cp "$here/typescript/scenario.ts" "$here/typescript/tsconfig.json" "$ts/"
rm -rf "$ts/dist"
"$ts/node_modules/.bin/tsc" -p "$ts/tsconfig.json"
node "$ts/dist/scenario.js" "$base" "$token" "$run/import.pub" "$fingerprint"

kill "$service_pid"
wait "$service_pid" || true
service_pid=
if grep -q 'MII' "$run/log"; then
  echo "the service's log holds key material" >&2
  exit 1
fi
