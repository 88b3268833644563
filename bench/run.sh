#!/usr/bin/env bash
# bench/run.sh: the whole benchmark in one command, from the project root or anywhere.
#   1. ../shared/bench/setup.sh: wrk + GNU time (apt), /tmp/benchvenv with datasette 0.65.5
#      and uvicorn[standard]; plus matplotlib there (the plot is a bench-only dependency)
#   2. make install (the project's .venv)
#   3. bench/run.py with the arguments given (see --help), results under /tmp/bench/results
# Example (what bench/RESULTS.md was measured with):
#   bench/run.sh --sizes 1k,100k,1m --dbs sqlite,postgresql --workers 1,2 --duration 5
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${BENCH_VENV:-/tmp/benchvenv}
bash "$ROOT/../shared/bench/setup.sh"
"$VENV/bin/python" -c 'import matplotlib' 2>/dev/null || "$VENV/bin/pip" install -q 'matplotlib>=3.8'
make -C "$ROOT" install >/dev/null
cd "$ROOT" && exec .venv/bin/python bench/run.py "$@"
