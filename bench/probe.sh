#!/usr/bin/env bash
# Wall time of a full per-IP scan (TCP, TLS 1.3/1.2 handshake, TLS 1.0/1.1 checks, certificate)
# by `albaudit probe` (release build) against sslyze and testssl.sh, on the same local
# `openssl s_server` peers (loopback only).
#
# Needs: openssl, testssl.sh (apt-get install -y testssl.sh), python3 -m venv.
# sslyze is installed into bench/.venv on first run. Usage: bench/probe.sh [RUNS]
set -euo pipefail

runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/target/release/albaudit
venv=$root/bench/.venv

command -v openssl >/dev/null || { echo "error: openssl is not installed" >&2; exit 2; }
command -v testssl >/dev/null || { echo "error: testssl.sh is not installed (apt-get install -y testssl.sh)" >&2; exit 2; }
[[ -x $venv/bin/sslyze ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q sslyze; }
(cd "$root" && cargo build --release -q 2>/dev/null) || { echo "error: cargo build --release failed" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=bench.test -addext subjectAltName=DNS:bench.test \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.61", 0)); print(s.getsockname()[1])')

start_server() { # ADDR ARGS...
  local addr=$1; shift
  openssl s_server -accept "$addr:$port" -cert "$tmp/cert.pem" -key "$tmp/key.pem" -www -quiet "$@" \
    </dev/null >"$tmp/s_server-$addr.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return; sleep 0.05; done
  echo "error: s_server on $addr did not start" >&2; exit 1
}
start_server 127.0.0.61 -cipher 'DEFAULT@SECLEVEL=0' -min_protocol TLSv1   # TLS 1.0-1.3
start_server 127.0.0.62 -tls1_3                                          # TLS 1.3 only

# Median wall time in ms of RUNS runs of a command.
time_ms() {
  local samples=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    samples+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf '%-22s %12s %12s %12s %10s %10s\n' target albaudit_ms sslyze_ms testssl_ms sslyze_x testssl_x
for addr in 127.0.0.61 127.0.0.62; do
  a=$(time_ms "$bin" probe "$addr:$port" --sni bench.test --timeout 2000)
  s=$(time_ms "$venv/bin/sslyze" --quiet --certinfo --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 "bench.test:$port{$addr}")
  t=$(time_ms testssl --quiet --color 0 --nodns none --sneaky -p -S "$addr:$port")
  awk -v n="$addr:$port" -v a="$a" -v s="$s" -v t="$t" 'BEGIN {
    d = (a > 0 ? a : 1); printf "%-22s %12d %12d %12d %9.0fx %9.0fx\n", n, a, s, t, s / d, t / d }'
done
