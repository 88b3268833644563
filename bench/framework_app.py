"""The framework's own floor: FastAPI, as claimbase runs it, answering the floor app's
precomputed page from one `async def` route with one query parameter; no middleware, no
database, no serialization per request. What it loses against ../shared/bench/floor_app.py is
the least any FastAPI app pays per request on this machine (bench/RESULTS.md).

Run: .venv/bin/uvicorn bench.framework_app:app --port 8101 --no-access-log (from the root)
"""

import runpy
from pathlib import Path

from fastapi import FastAPI, Response

FLOOR_APP = Path(__file__).resolve().parents[2] / "shared" / "bench" / "floor_app.py"
BODY: bytes = runpy.run_path(str(FLOOR_APP))["BODY"]  # the very same bytes as the floor

app = FastAPI()


@app.get("/claims")
async def claims(limit: int = 50) -> Response:
    return Response(BODY, media_type="application/json")
