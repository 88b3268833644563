"""The seed against the article it comes from, and the loader's promises: idempotent,
versioning only what changed, atomic, and clear about what is wrong."""

import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from app.config import PROJECT_ROOT
from app.store.engine import Base, build_engine
from app.store.migrate import upgrade
from app.write.figures import parse_figure
from seed.bundle import DATA_DIR, SeedBundle, SeedError, read_bundle
from seed.load import write_bundle
from tests.support.helpers import DUNFORD, SOURCE_ID

SOURCE_TOML = Path("sources") / f"{SOURCE_ID}.toml"
ARTICLE = (DATA_DIR / "sources" / f"{SOURCE_ID}.txt").read_text(encoding="utf-8")
ALL_CLAIMS = "/v1/claims?limit=500"


# --- the content, read through the API ------------------------------------------------------


@pytest.mark.parametrize(
    ("statistic_id", "expected", "words"),
    [
        (
            "chn-gdp-growth-2023",
            {"indicator": "gdp_growth_rate", "entity": "CHN", "value": 5.2, "unit": "percent",
             "display": "5.2%", "modality": "asserted",
             "period": {"label": "2023", "start": "2023-01-01", "end": "2023-12-31"}},
            "China\u2019s 5.2% GDP growth in 2023 was a positive achievement",
        ),
        (
            "chn-monthly-wafer-capacity",
            {"entity": "CHN", "value": 7_600_000, "unit": "wafers_per_month",
             "display": "7.6 million pieces", "modality": "asserted"},
            "China\u2019s monthly wafer production capacity has already reached 7.6 million pieces",
        ),
        (
            "chn-global-semiconductor-capacity-share",
            {"entity": "CHN", "value": 25.7, "unit": "percent", "display": "25.7%",
             "modality": "asserted"},
            "it accounts for 25.7% of global semiconductor capacity",
        ),
    ],
)  # fmt: skip
def test_headline_figures(
    client: TestClient, statistic_id: str, expected: dict[str, Any], words: str
) -> None:
    """The three headline figures: their words in the article, and the values those say."""
    response = client.get(f"/v1/statistics/{statistic_id}?include=claim")
    assert response.status_code == 200
    statistic = response.json()
    assert statistic == {**statistic, **expected}
    assert statistic["speaker_id"] == DUNFORD
    assert statistic["source_id"] == SOURCE_ID
    assert words in statistic["claim"]["text"]
    assert words in ARTICLE
    assert expected["display"] in words
    figure = parse_figure(statistic["display"])
    assert figure.value == statistic["value"]
    assert ARTICLE[statistic["span"]["start"] : statistic["span"]["end"]] == statistic["display"]


# Every figure of the article, and how the article states it (the words around the figure).
MODALITIES: list[tuple[str, str, str]] = [
    ("chn-gdp-growth-2023", "asserted", "China\u2019s 5.2% GDP growth in 2023 was"),
    ("chn-world-trade-rank", "asserted", "China is the world\u2019s largest trading nation"),
    ("chn-world-export-rank", "asserted", "and largest exporter"),
    ("asml-restricted-process-node-7nm", "asserted", "systems, at the request of the US "
     "government, used in the 7nm process"),
    ("asml-restricted-process-node-5nm", "possible", "and maybe in the years ahead in the 5nm "
     "process"),
    ("chn-monthly-wafer-capacity", "asserted", "has already reached 7.6 million pieces"),
    ("chn-global-semiconductor-capacity-share", "asserted", "it accounts for 25.7% of global"),
]  # fmt: skip


def test_every_figure_states_its_modality(client: TestClient) -> None:
    statistics = client.get("/v1/statistics?limit=500").json()["data"]
    assert {s["id"]: s["modality"] for s in statistics} == {
        statistic_id: modality for statistic_id, modality, _words in MODALITIES
    }
    for statistic_id, _modality, words in MODALITIES:
        statistic = next(s for s in statistics if s["id"] == statistic_id)
        start = ARTICLE.index(words)
        assert start <= statistic["span"]["start"] < start + len(words), statistic_id
    hedged = client.get("/v1/statistics?modality=approximate,projected,possible").json()["data"]
    assert [s["id"] for s in hedged] == ["asml-restricted-process-node-5nm"]


def test_every_seed_figure_says_its_modality_in_the_file() -> None:
    """Not left to a default: each [[statistics]] entry of the file has a `modality` line."""
    raw = tomllib.loads((DATA_DIR / SOURCE_TOML).read_text(encoding="utf-8"))
    assert [entry["modality"] for entry in raw["statistics"]] == [
        modality for _id, modality, _words in MODALITIES
    ]


def quoted_passages() -> dict[str, int]:
    """Every passage of the article inside “…”, without the comma before the closing mark,
    by where it starts; the first names the policy in the author's voice and is skipped."""
    passages = {
        match.group(1).removesuffix(","): match.start(1)
        for match in re.finditer(r"“(.*?)”", ARTICLE, re.DOTALL)
    }
    assert passages.pop("new quality productive forces") < 400
    return passages


def test_every_dunford_quote_is_a_direct_quote_claim(client: TestClient) -> None:
    quotes = client.get(f"{ALL_CLAIMS}&kind=direct_quote").json()["data"]
    passages = quoted_passages()
    assert len(passages) == 11
    assert {claim["text"]: claim["span"]["start"] for claim in quotes} == passages
    assert {claim["speaker_id"] for claim in quotes} == {DUNFORD}


def test_paraphrases_are_dunford_outside_quotation_marks(client: TestClient) -> None:
    paraphrases = client.get(f"{ALL_CLAIMS}&kind=paraphrase").json()["data"]
    assert len(paraphrases) == 16
    passages = quoted_passages()
    for claim in paraphrases:
        assert claim["speaker_id"] == DUNFORD
        assert claim["text"] not in passages
        assert ARTICLE[claim["span"]["start"] - 1] != "“"
    texts = {claim["text"] for claim in paraphrases}
    assert "the global economy has been losing momentum" in texts  # "Dunford elaborated that"


def test_author_statements_are_whole_sentences_without_speaker(client: TestClient) -> None:
    statements = client.get(f"{ALL_CLAIMS}&kind=author_statement").json()["data"]
    assert len(statements) == 7
    for claim in statements:
        assert claim["speaker_id"] is None
        assert claim["text"].endswith(".")


def test_speaker_and_source_metadata(client: TestClient) -> None:
    speaker = client.get(f"/v1/speakers/{DUNFORD}").json()
    assert (speaker["title"], speaker["affiliation"], speaker["country"]) == (
        "Emeritus Professor",
        "University of Sussex",
        "GBR",
    )
    source = client.get(f"/v1/sources/{SOURCE_ID}").json()
    assert source["publisher"] == "Chinese Social Sciences Today"
    assert source["authors"] == ["Bai Le"]
    assert source["editors"] == ["Chen Mirong"]
    assert source["published_on"] == "2024-05-20"
    assert source["text"] == ARTICLE


# --- the loader, on a fresh database of each backend -----------------------------------------


@pytest.fixture
def engine(empty_database: str) -> Iterator[Engine]:
    upgrade(empty_database)
    engine = build_engine(empty_database)
    yield engine
    engine.dispose()


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                dict(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for table in Base.metadata.sorted_tables
        }


def test_first_load_creates_everything(engine: Engine) -> None:
    reports = write_bundle(engine, read_bundle())
    created = {name: report.created for name, report in reports.items()}
    assert created == {
        "sources": 1, "speakers": 1, "topics": 12, "units": 37, "entities": 2, "indicators": 6,
        "claims": 34, "statistics": 7, "reviews": 1,
    }  # fmt: skip
    assert all(report.updated == report.unchanged == 0 for report in reports.values())


def test_second_load_changes_nothing(engine: Engine) -> None:
    write_bundle(engine, read_bundle())
    before = dump(engine)
    reports = write_bundle(engine, read_bundle())
    for report in reports.values():
        assert (report.created, report.updated) == (0, 0)
        assert report.unchanged > 0
    assert dump(engine) == before


def copy_data(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    return data_dir


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


NQPF_07 = 'topics = ["economic-growth"]\ntext = "the global economy has been losing momentum"'


def test_changed_records_get_new_versions_others_stay(engine: Engine, tmp_path: Path) -> None:
    write_bundle(engine, read_bundle())
    before = dump(engine)
    data_dir = copy_data(tmp_path)
    edit(data_dir / "speakers.toml", 'title = "Emeritus Professor"', 'title = "Professor"')
    edit(data_dir / SOURCE_TOML, NQPF_07, NQPF_07.replace('"economic-growth"', '"trade"'))
    reports = write_bundle(engine, read_bundle(data_dir))
    assert (reports["speakers"].updated, reports["claims"].updated) == (1, 1)
    assert reports["topics"].updated == reports["statistics"].updated == 0
    after = dump(engine)
    changed = {("speaker", DUNFORD), ("claim", "nqpf-07")}
    for table in ("source", "speaker", "topic", "claim", "statistic"):
        for old, new in zip(before[table], after[table], strict=True):
            if (table, old["id"]) in changed:
                assert new["version"] == old["version"] + 1
                assert new["updated_at"] > old["updated_at"]
                assert new["created_at"] == old["created_at"]
            else:
                assert new == old
    assert after["speaker"][0]["title"] == "Professor"
    links = {(link["claim_id"], link["topic_id"]) for link in after["claim_topic"]}
    assert ("nqpf-07", "trade") in links
    assert ("nqpf-07", "economic-growth") not in links


def test_a_failure_while_writing_rolls_everything_back(engine: Engine, tmp_path: Path) -> None:
    write_bundle(engine, read_bundle())
    before = dump(engine)
    data_dir = copy_data(tmp_path)
    edit(data_dir / "speakers.toml", 'title = "Emeritus Professor"', 'title = "Professor"')
    bundle: SeedBundle = read_bundle(data_dir)
    # Past validation on purpose: the database itself refuses the last table's rows.
    bundle.statistics[-1]["claim_id"] = "no-such-claim"
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        write_bundle(engine, bundle)
    assert dump(engine) == before


Breakage = Callable[[Path], None]
BROKEN_SEEDS: list[tuple[str, Breakage, str, str, str]] = [
    (
        "claim text not verbatim",
        lambda d: edit(d / SOURCE_TOML, NQPF_07, NQPF_07.replace("losing", "gaining")),
        SOURCE_TOML.name,
        "claim 'nqpf-07'",
        "text: is not verbatim in the source text",
    ),
    (
        "value not what the display says",
        lambda d: edit(d / SOURCE_TOML, "value = 7600000", "value = 7650000"),
        SOURCE_TOML.name,
        "statistic 'chn-monthly-wafer-capacity'",
        "value: is 7650000 but `display` ('7.6 million pieces') states 7600000",
    ),
    (
        "display not in its claim",
        lambda d: edit(d / SOURCE_TOML, 'display = "5.2%"', 'display = "5.3%"'),
        SOURCE_TOML.name,
        "statistic 'chn-gdp-growth-2023'",
        "display: is not verbatim in the text of claim 'nqpf-11'",
    ),
    (
        "modality left out",
        lambda d: edit(d / SOURCE_TOML, 'modality = "possible"\n', ""),
        SOURCE_TOML.name,
        "statistic 'asml-restricted-process-node-5nm'",
        "modality: Field required",
    ),
    (
        "publication date not a date",
        lambda d: edit(d / SOURCE_TOML, "published_on = 2024-05-20", 'published_on = "May 2024"'),
        SOURCE_TOML.name,
        f"source '{SOURCE_ID}'",
        "published_on: Input should be a valid date",
    ),
    (
        "unknown topic",
        lambda d: edit(d / SOURCE_TOML, NQPF_07, NQPF_07.replace("economic-growth", "economy")),
        SOURCE_TOML.name,
        "claim 'nqpf-07'",
        "unknown topic 'economy'",
    ),
    (
        "invalid TOML",
        lambda d: edit(d / "topics.toml", 'id = "trade"', 'id = trade"'),
        "topics.toml",
        "topic",
        "id: is not valid TOML",
    ),
    (
        "duplicated id",
        lambda d: edit(d / SOURCE_TOML, 'id = "nqpf-08"', 'id = "nqpf-07"'),
        SOURCE_TOML.name,
        "claim 'nqpf-07'",
        "id already used",
    ),
    (
        "missing field",
        lambda d: edit(d / "speakers.toml", 'name = "Michael Dunford"\n', ""),
        "speakers.toml",
        "speaker 'michael-dunford'",
        "name: Field required",
    ),
]


def run_seed(data_dir: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seed", "--data-dir", str(data_dir), "--database-url", database_url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("case", "breakage", "file", "record", "problem"),
    BROKEN_SEEDS,
    ids=[case[0] for case in BROKEN_SEEDS],
)
def test_a_bad_seed_file_is_named_and_changes_nothing(
    engine: Engine,
    empty_database: str,
    tmp_path: Path,
    case: str,
    breakage: Breakage,
    file: str,
    record: str,
    problem: str,
) -> None:
    write_bundle(engine, read_bundle())
    before = dump(engine)
    data_dir = copy_data(tmp_path)
    # Beside the breakage, a valid change that must not land either.
    edit(data_dir / "speakers.toml", 'title = "Emeritus Professor"', 'title = "Professor"')
    breakage(data_dir)
    result = run_seed(data_dir, empty_database)
    assert result.returncode != 0, case
    assert result.stderr.startswith("seed: error: "), result.stderr
    message = result.stderr.strip()
    assert file in message
    assert record in message
    assert problem in message
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert dump(engine) == before


def test_the_command_loads_then_reports_nothing_to_do(empty_database: str) -> None:
    first = run_seed(DATA_DIR, empty_database)
    assert first.returncode == 0, first.stderr
    assert "seed: claims: 34 created, 0 updated, 0 unchanged" in first.stdout
    second = run_seed(DATA_DIR, empty_database)
    assert second.returncode == 0, second.stderr
    assert "seed: claims: 0 created, 0 updated, 34 unchanged" in second.stdout
    assert "seed: statistics: 0 created, 0 updated, 7 unchanged" in second.stdout


def test_seed_error_message_format(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    edit(data_dir / SOURCE_TOML, NQPF_07, NQPF_07.replace("losing", "gaining"))
    with pytest.raises(SeedError) as error:
        read_bundle(data_dir)
    assert str(error.value) == (
        f"{data_dir / SOURCE_TOML}: claim 'nqpf-07': text: is not verbatim in the source text"
    )


def test_published_on_is_a_date() -> None:
    assert read_bundle().sources[0]["published_on"] == date(2024, 5, 20)
