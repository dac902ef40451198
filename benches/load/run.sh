#!/usr/bin/env bash
# Load figures for the service: a release build on 127.0.0.1, driven by wrk
# (Debian package `wrk`) on the same machine. Every run is bounded in time
# and stops the server at the end.
#
#   benches/load/run.sh [seconds per run, default 10] [sqlite|postgres] [BIN_DIR]
#
# BIN_DIR, when given, holds the release binaries keygen-service and keygen
# to drive instead of building this checkout's (for example another
# commit's build, so that both run under this one script and its wrk
# scenarios). KEYGEN_LOAD_PUBKEY, when set, is the public key line the
# import scenario sends (by default a key generated for the run), so that
# runs compared with each other check the same key.
#
# With `postgres`, the service stores key pairs in a throw-away PostgreSQL
# server on loopback (.ci/postgres.sh, with fsync on, as SQLite runs with
# synchronous = FULL).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-10}
store=${2:-sqlite}
if [[ $store == postgres ]]; then
  eval "$(KEYGEN_PG_DURABLE=1 .ci/postgres.sh)"
  export KEYGEN_DATABASE_URL=$KEYGEN_TEST_DATABASE_URL
  pg_dir=$KEYGEN_TEST_PG_DIR
elif [[ $store != sqlite ]]; then
  echo "store: sqlite or postgres" >&2
  exit 2
fi
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
if [[ -n ${3:-} ]]; then
  bin=$(cd "$3" && pwd)
  [[ -x $bin/keygen-service && -x $bin/keygen ]] || { echo "$bin: no keygen-service and keygen" >&2; exit 2; }
else
  cargo build --release -q -p keygen-service -p keygen-cli
  bin=${CARGO_TARGET_DIR:-target}/release
fi
dir=$(mktemp -d)
token=load-test-admin-token-0123456789
start_server() { # pool size
  KEYGEN_ADMIN_TOKEN=$token KEYGEN_LOG=warn "$bin/keygen-service" \
    --listen 127.0.0.1:0 --data-dir "$dir/data" --pool-size "$1" >"$dir/out" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$dir/out" && break; sleep 0.1; done
  base=$(sed -n 's/^listening on //p' "$dir/out")
}
stop_server() { kill "$pid"; wait "$pid" || true; }
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$dir"; [[ -z ${pg_dir:-} ]] || .ci/postgres.sh stop "$pg_dir"' EXIT
export KEYGEN_TOKEN=$token
path=/v1/projects/load/zones/eu-west-0/keypairs

echo "== store: $store"
echo "== binaries: $bin"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
start_server 0
pubkey=${KEYGEN_LOAD_PUBKEY:-$("$bin/keygen" generate | python3 -c 'import json,sys; print(json.load(sys.stdin)["publicKey"])')}
echo "== create with publicKey (RSA-4096, every check), 64 connections, ${secs}s"
KEYGEN_PATH=$path KEYGEN_PUBKEY=$pubkey wrk -t2 -c64 -d"${secs}s" --latency -s benches/load/create.lua "$base" | grep -E 'Requests/sec|p50|Non-2xx|requests in'
id=$(curl -s -H "Authorization: Bearer $token" "$base$path?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
echo "== get one key pair, 64 connections, ${secs}s"
wrk -t2 -c64 -d"${secs}s" --latency -s benches/load/get.lua "$base$path/$id" | grep -E 'Requests/sec|p50|Non-2xx|requests in'
stop_server

echo "== generated creates while the pool has keys (pool 32, 1 connection, 20 sequential creates)"
start_server 32
while [ "$(curl -s "$base/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pool"])')" -lt 32 ]; do sleep 1; done
python3 - "$base$path" "$token" <<'PY'
import json, statistics, sys, time, urllib.request
url, token = sys.argv[1], sys.argv[2]
times = []
for i in range(20):
    req = urllib.request.Request(url, data=json.dumps({"name": f"pooled-{i}"}).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        assert r.status == 201 and "privateKey" in json.load(r)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"p50 {statistics.median(times):.2f} ms, max {times[-1]:.2f} ms over {len(times)} creates")
PY
echo "== generated creates with the pool dry (pool 0, 8 connections, ${secs}s)"
stop_server
start_server 0
KEYGEN_PATH=$path KEYGEN_PUBKEY= wrk -t2 -c8 -d"${secs}s" --latency -s benches/load/create.lua "$base" | grep -E 'Requests/sec|p50|Non-2xx|requests in'
curl -s "$base/metrics" | grep -E '^keygen_(generation_rejected|pool_misses)_total'
stop_server
