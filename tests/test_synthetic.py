"""`python -m seed synthetic`: a deterministic, valid corpus loaded through the bulk path."""

from sqlalchemy import create_engine, func, select

from app.models import Claim, Source, Speaker, Statistic, claim_topic
from seed.__main__ import main
from seed.synthetic import Generator


def test_synthetic_corpus_loads_once_with_verbatim_spans(empty_database: str) -> None:
    assert main(["synthetic", "--claims", "700", "--database-url", empty_database]) == 0
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        counts = {
            table.__tablename__: connection.execute(
                select(func.count()).select_from(table)
            ).scalar_one()
            for table in (Claim, Source, Speaker, Statistic)
        }
        links = connection.execute(select(func.count()).select_from(claim_topic)).scalar_one()
        texts = dict(connection.execute(select(Source.id, Source.text)).all())
        claims = connection.execute(
            select(Claim.id, Claim.source_id, Claim.text, Claim.span_start, Claim.span_end)
        ).all()
        figures = connection.execute(
            select(
                Statistic.display, Statistic.span_start, Statistic.span_end, Claim.source_id
            ).join(Claim, Claim.id == Statistic.claim_id)
        ).all()
    engine.dispose()
    assert counts["claim"] == 700
    assert counts["speaker"] == 14
    assert 250 <= counts["statistic"] <= 450  # about one per two claims
    assert links >= 700  # every claim has a topic, some two
    for _id, source_id, text, start, end in claims:
        assert texts[source_id][start:end] == text
    for display, start, end, source_id in figures:
        assert texts[source_id][start:end] == display
    # A second load into the same database is refused and changes nothing.
    assert main(["synthetic", "--claims", "10", "--database-url", empty_database]) == 1


def test_synthetic_corpus_is_deterministic_and_skewed() -> None:
    first = next(Generator(2000, seed=3).batches())
    second = next(Generator(2000, seed=3).batches())
    other = next(Generator(2000, seed=4).batches())
    assert first.claims == second.claims
    assert first.statistics == second.statistics
    assert first.claims != other.claims
    by_speaker: dict[str, int] = {}
    for claim in first.claims:
        if claim["speaker_id"] is not None:
            by_speaker[claim["speaker_id"]] = by_speaker.get(claim["speaker_id"], 0) + 1
    ranked = sorted(by_speaker.values(), reverse=True)
    assert ranked[0] > 5 * ranked[len(ranked) // 2]  # a few speakers have most claims


def test_synthetic_refuses_a_zero_size(empty_database: str) -> None:
    assert main(["synthetic", "--claims", "0", "--database-url", empty_database]) == 2
