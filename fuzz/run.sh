#!/usr/bin/env bash
# Runs each fuzz target for a set time, one after the other, and prints executions and crashes
# per target. Not part of `cargo test`.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 900 s, every target)
#
# The toolchain is stable; cargo-fuzz needs nightly flags (-Zsanitizer), so RUSTC_BOOTSTRAP=1
# unlocks them. Install the driver with `cargo install cargo-fuzz`. Crashing inputs land in
# fuzz/artifacts/TARGET/; keep each one under tests/fixtures/fuzz/TARGET/ with a test in
# tests/hostile.rs once fixed. fuzz/corpus/ is rebuilt from the seeds and never committed.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-900}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(template policy server_response redact)
export RUSTC_BOOTSTRAP=1

# Build once, then run the binaries directly: editing src/ during a run cannot trigger a rebuild.
cargo fuzz build -O 2>&1 | tail -1
triple=$(rustc -vV | sed -n 's/^host: //p')
bin=target/$triple/release

seed() {
  local t=$1 dir=corpus/$1
  mkdir -p "$dir"
  case $t in
    template)
      # The public template corpus, plus the repository's own examples and fixtures.
      local src
      for src in ../../shared/corpus ../examples ../tests/fixtures; do
        [ -d "$src" ] || continue
        find "$src" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) \
          -size -64k -print0 | while IFS= read -r -d '' f; do
            cp "$f" "$dir/$(cksum <"$f" | cut -d' ' -f1)"
          done
      done ;;
    policy)
      cp ../policies/*.yaml "$dir/" ;;
    server_response)
      # ServerHello (TLS 1.0, cipher 0xc013), an alert, plain HTTP.
      printf '\x16\x03\x01\x00\x2a\x02\x00\x00\x26\x03\x01%032d\x00\xc0\x13\x00' 0 >"$dir/hello"
      printf '\x15\x03\x01\x00\x02\x02\x46' >"$dir/alert"
      printf 'HTTP/1.1 400 Bad Request\r\n\r\n' >"$dir/http" ;;
    redact)
      # A secret on the first line, then a line of SDK trace that carries credentials.
      printf 'q8Zr/Secret+Key0123\nCredentials { access_key_id: "AKIAQX7SECRETTEST042", secret_access_key: "q8Zr/Secret+Key0123" } x-amz-security-token: abc Credential=AKIA/2026' >"$dir/trace"
      printf 'AKIAQX7SECRETTEST042\naws_access_key_id = AKIAQX7SECRETTEST042\naws_session_token = tok' >"$dir/profile" ;;
  esac
  # Regression inputs of past crashes seed their target too.
  if [ -d "../tests/fixtures/fuzz/$t" ]; then cp ../tests/fixtures/fuzz/"$t"/* "$dir/" 2>/dev/null || true; fi
}

summary=()
for t in "${targets[@]}"; do
  seed "$t"
  mkdir -p "artifacts/$t"
  dict=()
  [ -f "$t.dict" ] && dict=(-dict="$t.dict")
  log=artifacts/$t.log
  echo "== $t: ${secs}s"
  set +e
  "$bin/$t" "corpus/$t" "${dict[@]}" -max_total_time="$secs" -jobs=1 -timeout=5 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log.driver" 2>&1
  rc=$?
  set -e
  # With -jobs=1 libFuzzer runs the fuzzing process as a child logging to fuzz-0.log.
  mv fuzz-0.log "$log" 2>/dev/null || mv "$log.driver" "$log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  summary+=("$t: ${execs:-?} executions in ${secs}s, exit $rc, $crashes crash/timeout/oom inputs in fuzz/artifacts/$t/")
  [ $rc -eq 0 ] || grep -m3 -E 'ERROR|panicked|SUMMARY' "$log" || true
done
printf '%s\n' "${summary[@]}"
