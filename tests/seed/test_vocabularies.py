"""The seed's vocabularies cover every unit the figure reader reads and every entity,
indicator and unit a seeded figure names; `seed check` reports a figure naming another."""

from pathlib import Path

from app.write.figures import units_read
from seed.bundle import read_bundle
from tests.seed.test_check import SOURCE, run_check
from tests.seed.test_seed import SOURCE_TOML, copy_data, edit


def test_every_unit_the_figure_reader_reads_is_in_the_vocabulary() -> None:
    units = {row["id"] for row in read_bundle().units}
    assert units_read() <= units, sorted(units_read() - units)


def test_every_figure_and_indicator_names_known_entries() -> None:
    bundle = read_bundle()
    known = {
        "entity": {row["id"] for row in bundle.entities},
        "indicator": {row["id"] for row in bundle.indicators},
        "unit": {row["id"] for row in bundle.units},
    }
    for statistic in bundle.statistics:
        for field, ids in known.items():
            assert statistic[field] in ids, (statistic["id"], field)
    assert {row["unit"] for row in bundle.indicators} <= known["unit"]


def test_seed_check_names_a_figure_outside_the_vocabularies(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    edit(data_dir / SOURCE_TOML, 'entity = "ASML"\nvalue = 5', 'entity = "Asml"\nvalue = 5')
    edit(data_dir / "indicators.toml", 'unit = "wafers_per_month"', 'unit = "wafers"')
    result = run_check(tmp_path, "check", "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert (
        f"{SOURCE}: statistic 'asml-restricted-process-node-5nm': entity: unknown entity 'Asml'"
        in result.stderr
    )
    assert (
        "indicators.toml: indicator 'wafer_production_capacity': unit: unknown unit 'wafers'"
        in (result.stderr)
    )
