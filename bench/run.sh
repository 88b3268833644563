#!/usr/bin/env bash
# bench/run.sh: the whole benchmark in one command, from the project root or anywhere.
#   1. shared/bench/setup.sh ($BENCH_SHARED, else the first shared/bench folder above the
#      project): wrk + GNU time (apt), /tmp/benchvenv with datasette 0.65.5 and
#      uvicorn[standard]; plus matplotlib there (the plot is a bench-only dependency)
#   2. make install (the project's .venv)
#   3. bench/run.py with the arguments given (see --help), results under /tmp/bench/results
# Example (what bench/RESULTS.md was measured with):
#   bench/run.sh --sizes 100k,1m --dbs sqlite,postgresql --workers 1 --duration 5
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${BENCH_VENV:-/tmp/benchvenv}
SHARED=${BENCH_SHARED:-}
if [ -z "$SHARED" ]; then
  dir=$ROOT
  while [ "$dir" != / ] && [ ! -f "$dir/shared/bench/setup.sh" ]; do dir=$(dirname "$dir"); done
  SHARED=$dir/shared/bench
fi
export BENCH_SHARED=$SHARED
bash "$SHARED/setup.sh"
"$VENV/bin/python" -c 'import matplotlib' 2>/dev/null || "$VENV/bin/pip" install -q 'matplotlib>=3.8'
make -C "$ROOT" install >/dev/null
cd "$ROOT" && exec .venv/bin/python bench/run.py "$@"
