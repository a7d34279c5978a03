#!/bin/sh
# Seeds N ALBs into moto (pip install 'moto[server]') and prints wall time and API calls per
# ALB of the live collector, for N = 10, 100, 500 unless sizes are given.
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- 10 100 500
exec cargo bench --bench live -- "$@"
