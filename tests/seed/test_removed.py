"""Records removed from the seed files: the next load retracts them, with a reason, a source
with its claims and their figures; they come back with their entries; nothing else moves."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from app.store.engine import build_engine
from app.store.migrate import upgrade
from app.store.models import Change, Claim, Source, Statistic, utc_now
from app.write.versioning import insert_new_records, retract_record
from seed.bundle import read_bundle
from seed.load import REMOVED_REASON, RESTORED_REASON, write_bundle
from tests.seed.test_seed import SOURCE_TOML, copy_data, edit, run_seed
from tests.support.helpers import SOURCE_ID, WAFERS


@pytest.fixture
def engine(empty_database: str) -> Iterator[Engine]:
    upgrade(empty_database)
    engine = build_engine(empty_database)
    write_bundle(engine, read_bundle())
    yield engine
    engine.dispose()


def without_source(tmp_path: Path) -> Path:
    data_dir = copy_data(tmp_path)
    for path in (data_dir / "sources").glob(f"{SOURCE_ID}.*"):
        path.unlink()
    return data_dir


def live(engine: Engine, model: Any) -> set[str]:
    with engine.connect() as connection:
        query = select(model.id).where(model.retracted_at.is_(None))
        return set(connection.execute(query).scalars())


def last_change(engine: Engine, resource: str, record_id: str) -> tuple[str, str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            select(Change.operation, Change.author, Change.reason)
            .where(Change.resource == resource, Change.record_id == record_id)
            .order_by(Change.version.desc())
            .limit(1)
        ).one()
    return row.operation, row.author, row.reason


def add_through_the_api_path(engine: Engine) -> None:
    """A claim and a figure an editor added to the seeded source (no seed entry of their own)."""
    claim = {"id": "editor-claim", "source_id": SOURCE_ID, "speaker_id": None,
             "kind": "author_statement", "text": "At present, the world is on the verge",
             "span_start": 0, "span_end": 1}  # fmt: skip
    with engine.begin() as connection:
        base = connection.execute(select(Statistic).where(Statistic.id == WAFERS)).mappings().one()
        figure = dict(base) | {"id": "editor-figure"}
        for name in ("version", "created_at", "updated_at", "retracted_at", "seed_hash"):
            figure.pop(name)
        figure["claim_id"] = "editor-claim"
        for resource, row in (("claim", claim), ("statistic", figure)):
            insert_new_records(
                connection, resource, [row], at=utc_now(), author="editor", reason="r"
            )


def test_a_removed_source_is_retracted_with_its_claims_and_figures(
    engine: Engine, tmp_path: Path
) -> None:
    add_through_the_api_path(engine)
    data_dir = without_source(tmp_path)
    reports = write_bundle(engine, read_bundle(data_dir))
    retracted = {table: report.retracted for table, report in reports.items()}
    assert retracted == {
        "sources": 1, "speakers": 0, "topics": 0, "units": 0, "entities": 0, "indicators": 0,
        "claims": 35, "statistics": 8, "reviews": 1,
    }  # fmt: skip
    assert last_change(engine, "review", "example-chn-gdp-growth-2023") == (
        "retract", "seed", f"its claim 'nqpf-11' is retracted: its source {SOURCE_ID!r} is "
        f"retracted: {REMOVED_REASON}",
    )  # fmt: skip
    assert live(engine, Source) == live(engine, Claim) == live(engine, Statistic) == set()
    assert last_change(engine, "source", SOURCE_ID) == ("retract", "seed", REMOVED_REASON)
    assert last_change(engine, "claim", "nqpf-21") == (
        "retract", "seed", f"its source {SOURCE_ID!r} is retracted: {REMOVED_REASON}"
    )  # fmt: skip
    assert last_change(engine, "claim", "editor-claim")[2].startswith("its source")
    assert last_change(engine, "statistic", "editor-figure") == (
        "retract", "seed",
        f"its claim 'editor-claim' is retracted: its source {SOURCE_ID!r} is retracted: "
        f"{REMOVED_REASON}",
    )  # fmt: skip
    # Speakers and topics stay: records made through the API may name them.
    again = write_bundle(engine, read_bundle(data_dir))
    assert all(report.retracted == 0 for report in again.values())


def test_a_source_back_in_the_files_comes_back(engine: Engine, tmp_path: Path) -> None:
    write_bundle(engine, read_bundle(without_source(tmp_path)))
    reports = write_bundle(engine, read_bundle())
    assert (reports["sources"].updated, reports["claims"].updated) == (1, 34)
    assert reports["statistics"].updated == 7
    assert len(live(engine, Claim)) == 34
    assert last_change(engine, "statistic", WAFERS) == ("update", "seed", RESTORED_REASON)
    with engine.connect() as connection:
        version = connection.execute(select(Source.version).where(Source.id == SOURCE_ID))
        assert version.scalar_one() == 3  # created, retracted, restored


def test_a_record_retracted_through_the_api_stays_retracted(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        row = connection.execute(select(Statistic).where(Statistic.id == WAFERS)).mappings().one()
        retract_record(connection, "statistic", row, author="editor", reason="duplicate")
    reports = write_bundle(engine, read_bundle())
    assert (reports["statistics"].updated, reports["statistics"].retracted) == (0, 0)
    assert WAFERS not in live(engine, Statistic)
    assert last_change(engine, "statistic", WAFERS) == ("retract", "editor", "duplicate")


def test_entries_removed_from_a_file_are_retracted_alone(engine: Engine, tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    text = (data_dir / SOURCE_TOML).read_text(encoding="utf-8")
    figure = text[text.index('[[statistics]]\n# Headline figure. "7.6 million') :]
    figure = figure[: figure.index("[[statistics]]", 1)]
    edit(data_dir / SOURCE_TOML, figure, "")
    claim = text[text.index('[[claims]]\nid = "nqpf-02"') : text.index("[[claims]]\n# A statement")]
    edit(data_dir / SOURCE_TOML, claim, "")
    reports = write_bundle(engine, read_bundle(data_dir))
    assert {t: r.retracted for t, r in reports.items() if r.retracted} == {
        "claims": 1, "statistics": 1
    }  # fmt: skip
    assert live(engine, Statistic) == {s["id"] for s in read_bundle(data_dir).statistics}
    assert "nqpf-02" not in live(engine, Claim)
    assert last_change(engine, "statistic", WAFERS) == ("retract", "seed", REMOVED_REASON)


def test_records_the_seed_never_loaded_are_left_alone(engine: Engine, tmp_path: Path) -> None:
    source = next(row for row in read_bundle().sources if row["id"] == SOURCE_ID)
    with engine.begin() as connection:
        insert_new_records(
            connection, "source", [{**source, "id": "made-by-an-editor"}],
            at=utc_now(), author="editor", reason="r",
        )  # fmt: skip
    write_bundle(engine, read_bundle(without_source(tmp_path)))
    assert live(engine, Source) == {"made-by-an-editor"}


def test_the_command_reports_what_it_retracted(
    empty_database: str, engine: Engine, tmp_path: Path
) -> None:
    result = run_seed(without_source(tmp_path), empty_database)
    assert result.returncode == 0, result.stderr
    assert "seed: sources: 0 created, 0 updated, 0 unchanged, 1 retracted" in result.stdout
    assert "seed: statistics: 0 created, 0 updated, 0 unchanged, 7 retracted" in result.stdout
