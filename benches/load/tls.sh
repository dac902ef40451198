#!/usr/bin/env bash
# HTTPS beside plain HTTP, in one run: a release build on 127.0.0.1 serving
# both (two processes on one SQLite directory, run one after the other),
# driven by wrk (Debian package `wrk`, built with OpenSSL) and
# `openssl s_time` on the same machine. Every run is bounded in time and
# stops its server.
#
#   benches/load/tls.sh [seconds per run, default 10] [rounds, default 3]
#
# Workloads, each over HTTP and HTTPS in turn, `rounds` times:
#   - create with publicKey (RSA-4096 import, every check), 64 connections
#   - get one key pair, 64 connections (keep-alive: one handshake each)
#   - get one key pair, 64 connections, `Connection: close`: a full TLS
#     handshake per request (wrk does not resume sessions)
#   - `openssl s_time`: sequential connections of one client, each a GET
#     /healthz, with full handshakes (-new) and resumed ones (-reuse), TLS
#     1.3 and 1.2 (the request makes the client read the TLS 1.3 session
#     ticket, which comes after the handshake)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-10}
rounds=${2:-3}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "install openssl" >&2; exit 2; }
cargo build --release -q -p keygen-service -p keygen-cli
dir=$(mktemp -d)
token=load-test-admin-token-0123456789
pid=
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT

# A throw-away CA and a server certificate for 127.0.0.1 (ECDSA P-256, the
# usual choice of ACME clients).
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 1 \
  -subj "/CN=load ca" -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=127.0.0.1" \
  -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 1 -extfile "$dir/ext" -out "$dir/server.crt" >/dev/null 2>&1
chmod 600 "$dir/server.key"

start_server() { # http|https
  local tls=()
  [[ $1 == https ]] && tls=(--tls-cert "$dir/server.crt" --tls-key "$dir/server.key")
  KEYGEN_ADMIN_TOKEN=$token KEYGEN_LOG=warn target/release/keygen-service \
    --listen 127.0.0.1:0 --data-dir "$dir/data" --pool-size 0 "${tls[@]}" >"$dir/out" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening on ' "$dir/out" && break; sleep 0.1; done
  base=$(sed -n 's/^listening on //p' "$dir/out")
  [[ -n $base ]] || { cat "$dir/log" >&2; exit 1; }
}
stop_server() { kill "$pid"; wait "$pid" || true; pid=; }
export KEYGEN_TOKEN=$token
path=/v1/projects/load/zones/eu-west-0/keypairs
pubkey=$(target/release/keygen generate | python3 -c 'import json,sys; print(json.load(sys.stdin)["publicKey"])')
curl_ca=(--cacert "$dir/ca.crt")
summary() { grep -E 'Requests/sec|p50|Non-2xx|Socket errors' | tr -s ' ' | paste -sd' ' -; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M') UTC"
echo "== $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $(openssl version)"
for round in $(seq "$rounds"); do
  for scheme in http https; do
    start_server "$scheme"
    echo "== round $round, $scheme: create with publicKey, 64 connections, ${secs}s"
    KEYGEN_PATH=$path KEYGEN_PUBKEY=$pubkey wrk -t2 -c64 -d"${secs}s" -s benches/load/create.lua "$base" | summary
    id=$(curl -s "${curl_ca[@]}" -H "Authorization: Bearer $token" "$base$path?limit=1" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
    echo "== round $round, $scheme: get, 64 connections (keep-alive), ${secs}s"
    wrk -t2 -c64 -d"${secs}s" -s benches/load/get.lua "$base$path/$id" | summary
    echo "== round $round, $scheme: get, 64 connections, a new connection per request, ${secs}s"
    KEYGEN_CLOSE=1 wrk -t2 -c64 -d"${secs}s" -s benches/load/get.lua "$base$path/$id" | summary
    if [[ $scheme == https ]]; then
      hostport=${base#https://}
      for v in -tls1_3 -tls1_2; do
        for mode in -new -reuse; do
          printf '== round %s, https: openssl s_time %s %s -www /healthz, one client, %ss: ' "$round" "$v" "$mode" "$secs"
          openssl s_time -connect "$hostport" "$v" "$mode" -www /healthz -CAfile "$dir/ca.crt" -time "$secs" 2>/dev/null |
            grep -E 'connections in' | paste -sd' ' -
        done
      done
    fi
    stop_server
  done
done
