"""Paths files for the benchmark: >= 1000 distinct URLs per list shape, picked from the data.

Usage: python bench/paths.py DATABASE_URL API_BASE OUT_DIR [--count 1000]

Writes OUT_DIR/<shape>.paths (one `path` or `path<TAB>If-None-Match value` per line) and
OUT_DIR/hot.tsv (`shape<TAB>path`: one fixed URL per shape, the "hot" variant). Parameter
values come from the database; cursors and ETags come from the running API (following
`next_cursor` exactly as a client does), so every URL is one the API really serves.
"""

import argparse
import json
import random
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from app.store.engine import build_engine
from app.store.models import Claim, Statistic, claim_topic
from seed.vocabulary import INDICATORS

PAGE = 50
DEEP_PAGE = 100


def fetch(base: str, path: str) -> tuple[dict[str, Any], dict[str, str]]:
    with urllib.request.urlopen(base + path, timeout=60) as response:
        return json.loads(response.read()), dict(response.headers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("api_base")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(5)
    count: int = args.count
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    engine = build_engine(args.database_url)
    shapes: dict[str, list[str]] = {}
    with engine.connect() as connection:
        pairs = connection.execute(
            select(Claim.speaker_id, claim_topic.c.topic_id, func.count())
            .join(claim_topic, claim_topic.c.claim_id == Claim.id)
            .where(Claim.speaker_id.is_not(None))
            .group_by(Claim.speaker_id, claim_topic.c.topic_id)
            .order_by(func.count().desc(), Claim.speaker_id, claim_topic.c.topic_id)
            .limit(count)
        ).all()
        shapes["a_speaker_topic"] = [
            f"/v1/claims?speaker={speaker}&topic={topic}&limit={PAGE}"
            for speaker, topic, _ in pairs
        ]
        indicators = list(
            connection.execute(select(Statistic.indicator).distinct().order_by(Statistic.indicator))
            .scalars()
            .all()
        )
        per_indicator = -(-count // max(1, len(indicators)))
        shapes["b_indicator_value_gt"] = []
        for name in indicators:
            spec = INDICATORS[name]
            for step in range(per_indicator):
                # thresholds across the lower 60% of the range: most pages are full
                value = round(spec.low + (spec.high - spec.low) * 0.6 * step / per_indicator, 2)
                shapes["b_indicator_value_gt"].append(
                    f"/v1/statistics?indicator={name}&value_gt={value}&limit={PAGE}"
                )
        displays = (
            connection.execute(
                select(Statistic.display).distinct().order_by(Statistic.display).limit(count * 5)
            )
            .scalars()
            .all()
        )
        terms = rng.sample(list(displays), min(count, len(displays)))
        shapes["c_search"] = [
            f"/v1/claims?q={urllib.parse.quote(term)}&limit={PAGE}" for term in terms
        ]
        total = connection.execute(select(func.count()).select_from(Claim)).scalar_one()
        numbers = rng.sample(range(1, total + 1), min(count, total))
        shapes["d_row"] = [f"/v1/claims/claim-{number:08d}" for number in numbers]
        topic_sizes = connection.execute(
            text("SELECT topic_id, count(*) FROM claim_topic GROUP BY topic_id ORDER BY 2 DESC")
        ).all()
    engine.dispose()

    shapes["e_deep_page100"] = deep_pages(args.api_base, topic_sizes, count)
    # Revalidation of a list page and of a single record: If-None-Match with the ETag the
    # API sent, answered 304 without a body.
    shapes["f_revalidate_304"] = with_etags(args.api_base, shapes["a_speaker_topic"])
    shapes["f_revalidate_304_row"] = with_etags(args.api_base, shapes["d_row"])
    shapes["g_csv_export"] = [
        f"/v1/claims.csv?speaker={speaker}&topic={topic}&limit=500" for speaker, topic, _ in pairs
    ]

    hot = {
        "a_speaker_topic": shapes["a_speaker_topic"][0],
        "b_indicator_value_gt": "/v1/statistics?indicator=unemployment_rate&value_gt=10&limit=50",
        "c_search": f"/v1/claims?q=percent&limit={PAGE}",
        "d_row": f"/v1/claims/claim-{(total + 1) // 2:08d}",
    }
    if shapes["e_deep_page100"]:
        hot["e_deep_page100"] = shapes["e_deep_page100"][0]
    for name, paths in shapes.items():
        (out / f"{name}.paths").write_text("".join(f"{path}\n" for path in paths))
        print(f"{name}: {len(paths)} URLs ({len(set(paths))} distinct)", file=sys.stderr)
    (out / "hot.tsv").write_text("".join(f"{name}\t{path}\n" for name, path in hot.items()))
    return 0


def deep_pages(base: str, topic_sizes: Sequence[Any], count: int) -> list[str]:
    """Pages 100, 101, ... of `topic=T` (sorted by id), by following next_cursor."""
    paths: list[str] = []
    for topic, size in topic_sizes:
        pages = size // PAGE
        if pages < DEEP_PAGE:
            continue
        path = f"/v1/claims?topic={topic}&limit={PAGE}"
        for number in range(1, pages + 1):
            if number >= DEEP_PAGE:
                paths.append(path)
                if len(paths) >= count:
                    return paths
            body, _headers = fetch(base, path)
            if body["next_cursor"] is None:
                break
            cursor = urllib.parse.quote(body["next_cursor"])
            path = f"/v1/claims?topic={topic}&limit={PAGE}&cursor={cursor}"
    return paths


def with_etags(base: str, paths: list[str]) -> list[str]:
    """`path<TAB>etag` for the If-None-Match shapes (lists and records both send an ETag)."""
    lines = []
    for path in paths:
        _body, headers = fetch(base, path)
        etag = headers.get("ETag") or headers.get("etag")
        if etag is None:
            raise SystemExit(f"{path}: no ETag in the response")
        lines.append(f"{path}\t{etag}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
