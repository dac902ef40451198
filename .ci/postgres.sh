#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: a new cluster in a temporary
# directory, listening on a free port of 127.0.0.1 only, run by an
# unprivileged user (initdb refuses root), with a random password.
#
#   .ci/postgres.sh run CMD [ARG...]   start, run CMD with the variables below
#                                      exported, stop (whatever CMD does, even
#                                      on Ctrl-C), exit with CMD's status
#   .ci/postgres.sh [start] [FILE]     start, then print the variables as
#                                      `export NAME='value'` lines (or write
#                                      them to FILE); the server keeps running
#   .ci/postgres.sh stop DIR           stop the server of DIR and delete DIR
#
# The variables:
#   KEYGEN_TEST_DATABASE_URL  postgres://keygen:…@127.0.0.1:PORT/postgres, a
#                             superuser: the tests create a database each
#   KEYGEN_TEST_PG_DIR        the cluster's directory, for `stop`
#   KEYGEN_TEST_PG_BIN        the directory of initdb and pg_ctl (the tests
#                             start clusters of their own with them)
#   KEYGEN_TEST_PG_CA         with KEYGEN_PG_TLS=1 only: the PEM file of the
#                             throw-away CA that signed the server's
#                             certificate (for 127.0.0.1 and localhost)
#
# With KEYGEN_PG_TLS=1 the server runs with ssl = on, its certificate signed
# by a CA made here with openssl (deleted with the cluster); clients may
# still connect without TLS.
#
# Start and stop, from bash:
#   eval "$(.ci/postgres.sh)"
#   trap '.ci/postgres.sh stop "$KEYGEN_TEST_PG_DIR"' EXIT
#   cargo test --workspace --locked
#
# When initdb is not installed it installs Debian's postgresql package
# (without letting it create or start a cluster of its own). The cluster's
# default collation is ICU's en-US where available, so tests meet a
# database whose text order differs from byte order.
set -euo pipefail
shopt -s inherit_errexit

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

find_bin() {
  local candidate
  if [[ -n ${KEYGEN_TEST_PG_BIN:-} && -x $KEYGEN_TEST_PG_BIN/initdb ]]; then
    echo "$KEYGEN_TEST_PG_BIN"
    return
  fi
  if candidate=$(command -v initdb 2>/dev/null) && [[ -x $(dirname "$candidate")/pg_ctl ]]; then
    dirname "$(readlink -f "$candidate")"
    return
  fi
  # Debian puts the server's programs in a versioned directory, not on PATH.
  candidate=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n $candidate && -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
    echo "$candidate"
  fi
}

install_postgres() {
  log "initdb not found: installing postgresql from Debian packages"
  if [[ $(id -u) -ne 0 ]]; then
    log "not root: cannot install packages"
    return 1
  fi
  # Only the programs are wanted: no cluster of the package's own.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# The user that owns and runs the cluster: the current one, unless root.
pick_user() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
  elif id -u postgres >/dev/null 2>&1; then
    echo postgres
  else
    echo nobody
  fi
}

# Runs a command as the cluster's user.
as_user() {
  local user=$1
  shift
  if [[ $(id -un) == "$user" ]]; then
    "$@"
  else
    runuser -u "$user" -- "$@"
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  return 1
}

# Stops the server of a cluster directory (if running) and deletes it. Only
# directories this script made (they hold a marker file) are deleted.
stop_cluster() {
  local dir=$1 bin user
  if [[ ! -f $dir/.keygen-postgres ]]; then
    log "$dir is not a cluster made by this script; leaving it alone"
    return 1
  fi
  bin=$(sed -n 's/^bin=//p' "$dir/.keygen-postgres")
  user=$(sed -n 's/^user=//p' "$dir/.keygen-postgres")
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_user "$user" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      as_user "$user" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir"
  log "stopped and removed $dir"
}

# Makes and starts a cluster; prints the export lines.
start_cluster() {
  local bin user dir password port started=
  bin=$(find_bin)
  if [[ -z $bin ]]; then
    install_postgres
    bin=$(find_bin)
  fi
  [[ -n $bin ]] || {
    log "initdb and pg_ctl not found"
    return 1
  }
  user=$(pick_user)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/keygen-postgres.XXXXXX")
  printf 'bin=%s\nuser=%s\n' "$bin" "$user" >"$dir/.keygen-postgres"
  # Whatever fails from here on, nothing is left running or lying around.
  trap 'stop_cluster "$dir" >/dev/null 2>&1 || true' EXIT
  trap 'exit 130' INT TERM
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/password"
  chmod 700 "$dir"
  chmod 600 "$dir/password"
  chown -R "$user" "$dir"

  local icu=(--locale-provider=icu --icu-locale=en-US)
  if ! as_user "$user" "$bin/initdb" -D "$dir/data" -U keygen --pwfile="$dir/password" \
    --auth-host=scram-sha-256 --auth-local=peer --encoding=UTF8 --locale=C.UTF-8 "${icu[@]}" \
    >"$dir/initdb.log" 2>&1; then
    log "initdb with ICU failed; trying without"
    rm -rf -- "$dir/data"
    as_user "$user" "$bin/initdb" -D "$dir/data" -U keygen --pwfile="$dir/password" \
      --auth-host=scram-sha-256 --auth-local=peer --encoding=UTF8 --no-locale \
      >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      return 1
    }
  fi
  rm -f "$dir/password"

  local tls_opts=""
  if [[ ${KEYGEN_PG_TLS:-0} == 1 ]]; then
    make_tls "$dir" "$user"
    tls_opts="-c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key -c ssl_ca_file=$dir/tls/ca.crt"
  fi

  for _ in 1 2 3 4 5; do
    port=$(free_port)
    # Loopback only; a socket in the cluster's directory; no durability
    # needed for throw-away data (the tests kill services, not this server)
    # unless KEYGEN_PG_DURABLE=1 asks for it (load figures comparable with
    # SQLite's synchronous = FULL).
    local durability="-c fsync=off -c full_page_writes=off"
    [[ ${KEYGEN_PG_DURABLE:-0} == 1 ]] && durability="-c fsync=on -c synchronous_commit=on"
    if as_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 $durability $tls_opts" \
      start >/dev/null 2>&1; then
      started=1
      break
    fi
    log "could not start on port $port; trying another"
  done
  [[ -n $started ]] || {
    tail -n 20 "$dir/server.log" >&2 || true
    return 1
  }
  trap - EXIT INT TERM
  log "PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, cluster in $dir"
  printf "export KEYGEN_TEST_DATABASE_URL='postgres://keygen:%s@127.0.0.1:%s/postgres'\n" "$password" "$port"
  printf "export KEYGEN_TEST_PG_DIR='%s'\n" "$dir"
  printf "export KEYGEN_TEST_PG_BIN='%s'\n" "$bin"
  if [[ ${KEYGEN_PG_TLS:-0} == 1 ]]; then
    printf "export KEYGEN_TEST_PG_CA='%s'\n" "$dir/tls/ca.crt"
  fi
}

# A throw-away CA and a server certificate it signs (ECDSA P-256, for
# 127.0.0.1 and localhost), in DIR/tls; the key readable by USER only, as
# PostgreSQL requires.
make_tls() {
  local dir=$1 user=$2 tls=$1/tls
  command -v openssl >/dev/null || {
    log "KEYGEN_PG_TLS=1 needs openssl"
    return 1
  }
  mkdir -p "$tls"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 2 \
    -subj "/CN=keygen test postgres ca" -keyout "$tls/ca.key" -out "$tls/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    >/dev/null 2>&1
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
    >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/server.ext" -out "$tls/server.crt" >/dev/null 2>&1
  rm -f "$tls/ca.key" "$tls/server.csr"
  chown -R "$user" "$tls"
  chmod 600 "$tls/server.key"
  # The CA certificate is read by the tests (as root or another user).
  chmod 755 "$tls"
  chmod 644 "$tls/ca.crt"
}

case "${1:-start}" in
  stop)
    [[ $# -eq 2 ]] || {
      log "usage: $0 stop DIR"
      exit 2
    }
    stop_cluster "$2"
    ;;
  run)
    shift
    [[ $# -ge 1 ]] || {
      log "usage: $0 run CMD [ARG...]"
      exit 2
    }
    exports=$(start_cluster)
    eval "$exports"
    trap 'stop_cluster "$KEYGEN_TEST_PG_DIR"' EXIT
    trap 'exit 130' INT TERM
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  *)
    [[ ${1:-} == start ]] && shift
    [[ $# -le 1 ]] || {
      log "usage: $0 [start] [FILE] | $0 run CMD [ARG...] | $0 stop DIR"
      exit 2
    }
    exports=$(start_cluster)
    if [[ -n ${1:-} ]]; then
      printf '%s\n' "$exports" >"$1"
    else
      printf '%s\n' "$exports"
    fi
    ;;
esac
