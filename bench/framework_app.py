"""The framework's own floor: FastAPI, as claimbase runs it, answering the floor app's
precomputed page from one `async def` route with one query parameter; no middleware, no
database, no serialization per request. What it loses against ../shared/bench/floor_app.py is
the least any FastAPI app pays per request on this machine (bench/RESULTS.md).

Run: .venv/bin/uvicorn bench.framework_app:app --port 8101 --no-access-log (from the root);
the floor app is found at $BENCH_SHARED/floor_app.py or in the first shared/bench folder
above this file (a worktree sits deeper than the main checkout).
"""

import os
import runpy
from pathlib import Path

from fastapi import FastAPI, Response


def shared_dir() -> Path:
    if os.environ.get("BENCH_SHARED"):
        return Path(os.environ["BENCH_SHARED"])
    here = Path(__file__).resolve()
    found = (p / "shared" / "bench" for p in here.parents if (p / "shared" / "bench").is_dir())
    return next(found, here.parents[2] / "shared" / "bench")


FLOOR_APP = shared_dir() / "floor_app.py"
BODY: bytes = runpy.run_path(str(FLOOR_APP))["BODY"]  # the very same bytes as the floor

app = FastAPI()


@app.get("/claims")
async def claims(limit: int = 50) -> Response:
    return Response(BODY, media_type="application/json")
