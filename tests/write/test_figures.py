"""The figure reader (app/write/figures.py), no database: displays read into value, unit and
modality hint; displays it must refuse; and the rule binding a record to its display."""

import re

import pytest

from app.store.models import Modality
from app.write.figures import Figure, FigureError, disagreements, parse_figure, unit_scale

A = Modality.asserted
APPROXIMATE = Modality.approximate

# display -> value, unit, unit word as written, modality hint
READ: list[tuple[str, float, str | None, str | None, Modality]] = [
    # The article's figures.
    ("5.2%", 5.2, "percent", "%", A),
    ("25.7%", 25.7, "percent", "%", A),
    ("7.6 million pieces", 7_600_000, None, "pieces", A),
    ("7nm", 7, "nanometres", "nm", A),
    ("5nm", 5, "nanometres", "nm", A),
    ("world\u2019s largest trading nation", 1, "rank", "largest", A),
    ("largest exporter", 1, "rank", "largest", A),
    # Shares and numbers in words.
    ("a quarter", 25, "percent", "quarter", A),
    ("three quarters", 75, "percent", "quarters", A),
    ("half", 50, "percent", "half", A),
    ("two-thirds", 200 / 3, "percent", "thirds", A),
    ("one in five", 20, "percent", "one in five", A),
    ("9 out of 10", 90, "percent", "9 out of 10", A),
    ("nine", 9, None, None, A),
    ("twenty-five", 25, None, None, A),
    ("a dozen", 12, None, None, A),
    ("a hundred", 100, None, None, A),
    ("two thousand five hundred", 2500, None, None, A),
    ("two million", 2_000_000, None, None, A),
    ("half a million", 500_000, None, None, A),
    # Multipliers and currencies.
    ("3.2 trillion yuan", 3_200_000_000_000, "cny", "yuan", A),
    ("RMB 3.2 trillion", 3_200_000_000_000, "cny", "RMB", A),
    ("$123.4 billion", 123_400_000_000, "usd", "$", A),
    ("-$123.4 billion", -123_400_000_000, "usd", "$", A),
    ("US$5bn", 5_000_000_000, "usd", "US$", A),
    ("$5m", 5_000_000, "usd", "$", A),
    ("€3 million", 3_000_000, "eur", "€", A),
    ("5 billion euros", 5_000_000_000, "eur", "euros", A),
    ("40k", 40_000, None, None, A),
    ("1,234,567.8", 1_234_567.8, None, None, A),
    # Units.
    ("7-nanometre", 7, "nanometres", "nanometre", A),
    ("123.4 Mt", 123.4, "mt", "Mt", A),
    ("72.3 years", 72.3, "years", "years", A),
    # Added for the drafter (issue 14): temperatures, power in words, the naira.
    ("roughly 1.2 degrees Celsius", 1.2, "degrees_celsius", "degrees Celsius", APPROXIMATE),
    ("1.5\u00b0C", 1.5, "degrees_celsius", "\u00b0C", A),
    ("190 gigawatts", 190, "gw", "gigawatts", A),
    ("35 megawatts", 35, "mw", "megawatts", A),
    ("210 billion naira", 210_000_000_000, "ngn", "naira", A),
    ("1.5 percentage points", 1.5, "percentage_points", "percentage points", A),
    ("25 basis points", 25, "basis_points", "basis points", A),
    ("12.3 per cent", 12.3, "percent", "per cent", A),
    ("12.3 percent of GDP", 12.3, "percent", "percent", A),
    ("123.4 per 100,000 people", 123.4, "per_100k", "per 100,000 people", A),
    ("123.4 dollars per MWh", 123.4, "usd_per_mwh", "dollars per MWh", A),
    ("$45 per MWh", 45, "usd_per_mwh", "per MWh", A),
    ("\u22123.2%", -3.2, "percent", "%", A),
    ("-12,345 people", -12_345, None, "people", A),
    # Ranks.
    ("second-largest economy", 2, "rank", "largest", A),
    ("the third biggest market", 3, "rank", "biggest", A),
    ("4th", 4, "rank", "4th", A),
    ("No. 1", 1, "rank", "No. 1", A),
    ("number one", 1, "rank", "number one", A),
    # Hedged.
    ("about 40,000 tonnes", 40_000, "tonnes", "tonnes", APPROXIMATE),
    ("roughly 7.6 million pieces", 7_600_000, None, "pieces", APPROXIMATE),
    ("some 300 companies", 300, None, "companies", APPROXIMATE),
    ("~40,000", 40_000, None, None, APPROXIMATE),
    ("nearly a quarter", 25, "percent", "quarter", APPROXIMATE),
    ("more than 40,000", 40_000, None, None, APPROXIMATE),
    ("40,000+", 40_000, None, None, APPROXIMATE),
    ("an estimated 1.2 million", 1_200_000, None, None, APPROXIMATE),
    ("a projected 30%", 30, "percent", "%", Modality.projected),
    ("maybe 5nm", 5, "nanometres", "nm", Modality.possible),
    ("about maybe 5nm", 5, "nanometres", "nm", Modality.possible),
]


@pytest.mark.parametrize(("display", "value", "unit", "unit_word", "hint"), READ)
def test_a_display_is_read_into_value_unit_and_modality_hint(
    display: str, value: float, unit: str | None, unit_word: str | None, hint: Modality
) -> None:
    figure = parse_figure(display)
    assert figure.value == pytest.approx(value, rel=1e-12)
    assert (figure.unit, figure.unit_word, figure.modality_hint) == (unit, unit_word, hint)
    assert figure.has_unit_word is (unit_word is not None)


def test_the_number_and_its_multiplier_are_kept_apart() -> None:
    assert parse_figure("7.6 million pieces") == Figure(
        value=7_600_000.0,
        number=7.6,
        multiplier=1_000_000.0,
        unit=None,
        unit_word="pieces",
        modality_hint=A,
    )
    assert (parse_figure("3.2 trillion yuan").number, parse_figure("40k").multiplier) == (3.2, 1e3)


# Displays that state no single figure: refused, saying why.
REFUSED: list[tuple[str, str]] = [
    ("", "is empty"),
    ("   ", "is empty"),
    ("many", "states no number"),
    ("several", "states no number"),
    ("millions of people", "'millions' states no number"),
    ("dozens", "'dozens' states no number"),
    ("COVID-19", "states no number"),
    ("5G", "'5G' is a name"),
    ("5\u20137%", "is a range (5 to 7%)"),
    ("between 5 and 7 percent", "is a range"),
    ("2021\u20132025", "is a range"),
    ("5.2% in 2023", "states 2 numbers"),
    ("5 in 2023", "states 2 numbers"),
    ("12,34", "'12,34' is not a number"),
    ("1.234,5", "'1.234,5' is not a number"),
    ("1.2.3", "'1.2.3' is not a number"),
    ("7.6m", "'7.6m' is ambiguous"),
    ("€5 million dollars", "states two units"),
    ("per capita", "states no number"),
]


@pytest.mark.parametrize(("display", "problem"), REFUSED)
def test_a_display_without_one_figure_is_refused(display: str, problem: str) -> None:
    with pytest.raises(FigureError, match=re.escape(problem)):
        parse_figure(display)


# Readable, but flagged for a person to look at.
FLAGGED: list[tuple[str, str]] = [
    ("more than 40,000", "a lower bound ('more than'), not an exact value"),
    ("40,000+", "a lower bound ('+')"),
    ("nearly a quarter", "an upper bound ('nearly')"),
    ("at most 5", "an upper bound ('at most')"),
    ("up to 7.6 million pieces", "an upper bound ('up to')"),
    ("¥5 billion", "'¥' is yen or yuan"),
]


@pytest.mark.parametrize(("display", "note"), FLAGGED)
def test_bounds_and_ambiguous_symbols_are_flagged(display: str, note: str) -> None:
    assert any(note in flagged for flagged in parse_figure(display).notes)


@pytest.mark.parametrize(
    "display", ["7.6 million pieces", "about the 5nm node", "5nm", "over 9", "25.7%"]
)
def test_only_hedging_words_make_a_hint(display: str) -> None:
    expected = APPROXIMATE if display == "over 9" else A
    assert parse_figure(display).modality_hint is expected


@pytest.mark.parametrize(
    ("unit", "scale"),
    [("usd_bn", ("usd", 1e9)), ("mt", ("tonnes", 1e6)), ("percent", ("percent", 1.0)),
     ("cny_tn", ("cny", 1e12)), ("wafers_per_month", ("wafers_per_month", 1.0))],
)  # fmt: skip
def test_unit_scales(unit: str, scale: tuple[str, float]) -> None:
    assert unit_scale(unit) == scale


# A record against its display: the fields that disagree (each message names the other).
AGREEMENT: list[tuple[str, float, str, Modality, set[str]]] = [
    ("7.6 million pieces", 7_600_000, "wafers_per_month", A, set()),
    ("7.6 million pieces", 7_650_000, "wafers_per_month", A, {"value", "display"}),
    ("25.7%", 25.7, "percent", A, set()),
    ("25.7%", 0.257, "percent", A, {"value", "display"}),
    ("25.7%", 25.7, "percent_of_gdp", A, set()),  # the record is more precise than the words
    ("25.7%", 25.7, "nanometres", A, {"unit", "display"}),
    ("5.2%", 5.2, "percentage_points", A, {"unit", "display"}),
    ("5nm", 5, "nanometres", Modality.possible, set()),  # the hedge is outside the display
    ("7nm", 7, "percent", A, {"unit", "display"}),
    ("largest exporter", 1, "rank", A, set()),
    ("largest exporter", 2, "rank", A, {"value", "display"}),
    ("$123.4 billion", 123.4, "usd_bn", A, set()),
    ("$123.4 billion", 123_400_000_000, "usd", A, set()),
    ("$123.4 billion", 123.4, "usd", A, {"value", "display"}),
    ("3.2 trillion yuan", 3.2, "usd_tn", A, {"unit", "display"}),
    ("123.4 Mt", 123_400_000, "tonnes", A, set()),
    ("about 40,000 tonnes", 40_000, "tonnes", APPROXIMATE, set()),
    ("about 40,000 tonnes", 40_000, "tonnes", Modality.projected, set()),
    ("about 40,000 tonnes", 40_000, "tonnes", A, {"modality", "display"}),
    ("many", 3, "people", A, {"value", "display"}),
]


@pytest.mark.parametrize(("display", "value", "unit", "modality", "fields"), AGREEMENT)
def test_a_record_agrees_with_its_display_or_both_fields_are_named(
    display: str, value: float, unit: str, modality: Modality, fields: set[str]
) -> None:
    found = disagreements(display, value=value, unit=unit, modality=modality)
    assert set(found) == fields
    for field, message in found.items():
        other = next(iter(fields - {field}), field)
        assert f"`{other}`" in message or field == "display", message


def test_the_message_gives_both_numbers() -> None:
    found = disagreements(
        "7.6 million pieces", value=7_650_000, unit="wafers_per_month", modality=A
    )
    assert found == {
        "value": "is 7650000 but `display` ('7.6 million pieces') states 7600000",
        "display": "'7.6 million pieces' states 7600000, not `value` 7650000",
    }
