#!/bin/sh
# Seeds N ALBs into moto (pip install 'moto[server]') and prints, for N = 10, 100, 500 unless
# sizes are given: wall time and API calls per ALB of the live collector, wall time of the whole
# `albaudit --no-probe --format json`, and, if bench/.venv has Prowler, Prowler's elbv2 checks
# on the same moto data and its time over albaudit's.
#
# It uses the release build if one exists (target/release/albaudit) and the debug build
# otherwise: a clean release build of the SDK takes long on a small machine, so this script
# never starts one by itself. PROFILE=bench or PROFILE=dev chooses explicitly.
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 10 100 500
if [ -z "${PROFILE:-}" ]; then
    if [ -x target/release/albaudit ]; then PROFILE=bench; else PROFILE=dev; fi
fi
if [ -z "${LIVE_BENCH_PEER+set}" ] && [ -x bench/.venv/bin/prowler ]; then
    # Prowler (pip install prowler into bench/.venv) honours AWS_ENDPOINT_URL. It exits 3 when a
    # check fails, a successful run here. No retries, like albaudit here (AWS_MAX_ATTEMPTS=1):
    # moto answers calls it does not implement with HTTP 500, and backoff would time moto.
    LIVE_BENCH_PEER="bench/.venv/bin/prowler aws --region ap-northeast-1 --service elbv2 \
--output-formats json-ocsf --output-directory bench/out/prowler --no-banner \
--ignore-exit-code-3 --aws-retries-max-attempts 0 >/dev/null"
    export LIVE_BENCH_PEER
fi
echo "profile: $PROFILE; peer: ${LIVE_BENCH_PEER:-none}"
exec cargo bench --profile "$PROFILE" --bench live -- "$@"
