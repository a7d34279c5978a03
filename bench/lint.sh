#!/usr/bin/env bash
# Lint benchmark: albaudit vs cfn-lint vs checkov on the shared corpus.
#
# Usage: bench/lint.sh            (from anywhere; runs from the repo root)
#   ALBAUDIT=PATH      benchmark that binary instead of building target/release/albaudit
#   BENCH_INPUTS=alb   only the ALB subset (default: "alb all")
#
# Builds albaudit (release), installs the pinned peer tools into bench/.venv (gitignored), then runs
# each tool once as ONE process over (a) every template of ../shared/corpus and (b) the ALB
# templates listed in alb-templates.txt, measuring wall time and peak RSS with /usr/bin/time -v.
# The tools do different amounts of work (cfn-lint validates every resource against the AWS
# schemas; checkov runs ~hundreds of generic policies; albaudit only what concerns ALBs), so the
# ratios say what a CI gate costs, not which linter is "faster at the same job".
# Outputs and timings land in bench/out/ (gitignored). Exit codes of the tools are recorded, not
# judged: all three exit non-zero when they find something.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CORPUS=$(cd "$ROOT/../shared/corpus" && pwd)
OUT="$ROOT/bench/out"
VENV="$ROOT/bench/.venv"
REQS="$ROOT/bench/requirements.txt"
mkdir -p "$OUT"

log() { printf '== %s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

if [[ -n ${ALBAUDIT:-} ]]; then
    log "using ALBAUDIT=$ALBAUDIT (no build)"
else
    log "cargo build --release"
    cargo build --release --quiet
    ALBAUDIT="$ROOT/target/release/albaudit"
fi

if ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
# pip is a no-op when the pinned versions are already there.
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
CFN_LINT_VERSION=$("$VENV/bin/cfn-lint" --version 2>&1 | sed "s/^cfn-lint //" | tr -d "\n")
CHECKOV_VERSION=$("$VENV/bin/checkov" --version 2>&1 | tail -n1 | tr -d '\n')
log "albaudit: $ALBAUDIT"
log "cfn-lint ${CFN_LINT_VERSION}"
log "checkov ${CHECKOV_VERSION}"

# --- inputs (same selection as .ci/sweep) --------------------------------------------------
ALL_LIST="$OUT/all.list"
ALB_LIST="$OUT/alb.list"
(cd "$CORPUS" && find . -type f \( -iname '*.yaml' -o -iname '*.yml' -o -iname '*.json' -o -iname '*.template' \) \
    ! -iname 'licen[cs]e*' ! -iname 'notice*' -printf '%P\n' | LC_ALL=C sort) > "$ALL_LIST"
grep -v '^[[:space:]]*\(#\|$\)' "$CORPUS/alb-templates.txt" > "$ALB_LIST"
# albaudit stops at the first template it cannot parse (exit 2, by contract), so every tool gets
# the templates albaudit accepts one by one; the few it rejects are listed in bench/out/rejected.list.
log "finding the templates albaudit rejects"
: > "$OUT/rejected.list"
while IFS= read -r f; do
    rc=0
    (cd "$CORPUS" && "$ALBAUDIT" lint "$f" --format json > /dev/null 2>&1) || rc=$?
    if ((rc == 2)); then echo "$f" >> "$OUT/rejected.list"; fi
done < "$ALL_LIST"
grep -vxF -f "$OUT/rejected.list" "$ALL_LIST" > "$OUT/accepted.list" || true
mapfile -t ALL_FILES < "$OUT/accepted.list"
mapfile -t ALB_FILES < "$ALB_LIST"
REJECTED=$(wc -l < "$OUT/rejected.list")
# checkov crashes the whole run on a template whose resource `Type:` is not a string: drop those
# from its input only (bench/out/checkov-skipped.list), and say so in the table.
(cd "$CORPUS" && "$VENV/bin/python" "$ROOT/bench/checkov_safe.py" < "$OUT/accepted.list" \
    > "$OUT/checkov-all.list" 2> "$OUT/checkov-skipped.list")
mapfile -t CHECKOV_ALL_FILES < "$OUT/checkov-all.list"
log "$(wc -l < "$ALL_LIST") templates in the corpus, $REJECTED rejected by albaudit," \
    "${#ALL_FILES[@]} benchmarked; ${#ALB_FILES[@]} ALB templates"
# Warm the page cache so the first tool does not pay for cold reads.
(cd "$CORPUS" && cat -- "${ALL_FILES[@]}" > /dev/null)

# --- measurement -----------------------------------------------------------------------------
RESULTS="$OUT/results.tsv"
printf 'tool\tinput\tfiles\twall_s\tpeak_mb\texit\toutput_lines\n' > "$RESULTS"

# measure TOOL INPUT NFILES -- COMMAND...: run COMMAND in the corpus dir under /usr/bin/time -v.
# Peak RSS is the largest single process of the tree (what wait4 reports), not a sum.
measure() {
    local tool=$1 input=$2 nfiles=$3
    shift 4
    local stem="$OUT/$tool-$input" rc=0
    log "$tool on $input ($nfiles files)"
    # Wall time from the shell clock (ns); /usr/bin/time's own is in 10 ms steps, too coarse here.
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$CORPUS" && /usr/bin/time -v -o "$stem.time" "$@" > "$stem.out" 2> "$stem.err") || rc=$?
    t1=$(date +%s.%N)
    local wall peak_kb
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    # No report but a Python traceback: the tool died part-way and its numbers do not count.
    if [[ ! -s $stem.out ]] && grep -q '^Traceback' "$stem.err"; then rc="$rc crashed"; fi
    peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$stem.time")
    if [[ -z "$wall" || -z "$peak_kb" ]]; then
        echo "bench: no timing for $tool on $input; see $stem.time and $stem.err" >&2
        exit 1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$input" "$nfiles" "$wall" \
        "$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$rc" "$(wc -l < "$stem.out")" >> "$RESULTS"
}

for input in ${BENCH_INPUTS:-alb all}; do
    if [[ $input == all ]]; then
        files=("${ALL_FILES[@]}")
        ck_files=("${CHECKOV_ALL_FILES[@]}")
    else
        files=("${ALB_FILES[@]}")
        ck_files=("${ALB_FILES[@]}")
    fi
    measure albaudit "$input" "${#files[@]}" -- "$ALBAUDIT" lint "${files[@]}" --format json
    measure cfn-lint "$input" "${#files[@]}" -- "$VENV/bin/cfn-lint" --format parseable -- "${files[@]}"
    measure checkov "$input" "${#ck_files[@]}" -- "$VENV/bin/checkov" --framework cloudformation --quiet \
        --skip-download --output cli -f "${ck_files[@]}"
done

# --- table -----------------------------------------------------------------------------------
{
    echo "albaudit lint benchmark ($(nproc) cores, one process per tool and input)"
    echo "cfn-lint ${CFN_LINT_VERSION}; checkov ${CHECKOV_VERSION}"
    echo "all = the corpus less the $REJECTED templates albaudit rejects as malformed" \
        "(checkov: also less $(wc -l < "$OUT/checkov-skipped.list") it crashes on); alb = alb-templates.txt"
    echo
    awk -F'\t' '
        NR == 1 { next }
        { key = $2; if ($1 == "albaudit") { bw[key] = $4; bm[key] = $5 }
          row[NR] = $0 }
        END {
            printf "%-9s %-6s %6s %9s %9s %10s %10s  %s\n", "tool", "input", "files", "wall s", "peak MB", "wall x", "mem x", "exit"
            for (i = 2; i <= NR; i++) {
                split(row[i], f, "\t")
                wx = (bw[f[2]] > 0) ? sprintf("%.1fx", f[4] / bw[f[2]]) : "-"
                mx = (bm[f[2]] > 0) ? sprintf("%.1fx", f[5] / bm[f[2]]) : "-"
                printf "%-9s %-6s %6d %9.3f %9.1f %10s %10s  %s\n", f[1], f[2], f[3], f[4], f[5], wx, mx, f[6]
            }
        }' "$RESULTS"
    echo
    echo "ratios are against albaudit on the same input; outputs in bench/out/TOOL-INPUT.{out,err,time}"
} | tee "$OUT/table.txt"
