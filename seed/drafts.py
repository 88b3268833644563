"""`python -m seed draft ARTICLE.txt [--source-id ID] [--out FILE]`: a seed source file drafted
from an article's text, for an editor to review (docs/drafting.md).

The TOML is in the format of `seed/data/sources/*.toml`: `python -m seed check` accepts it once
its speakers (listed at the top, ready to paste) are in speakers.toml. Every claim and figure
carries its span, and `# CHECK:` comments where the drafter is unsure."""

import json
import os
import re
import sys
import tomllib
from pathlib import Path

from app.draft import Draft, DraftClaim, DraftStatistic, draft_article
from app.draft.people import Speaker
from app.draft.places import country_name
from app.store.models import ClaimKind
from app.write.validation import SLUG
from seed.bundle import DATA_DIR

KIND_NOTES = {
    ClaimKind.direct_quote: "direct quote",
    ClaimKind.paraphrase: "paraphrase (reported speech, attribution words left out)",
    ClaimKind.author_statement: "author statement (optional): the publication's own voice; "
    "delete it if the seed should not carry it",
}
# Source fields a seed file may leave out.
OPTIONAL = {"standfirst"}
# Characters a reader cannot see or that TOML must escape, written as escapes.
ESCAPED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def toml_string(value: str) -> str:
    """A TOML basic string, byte-identical once parsed; invisible spaces (U+00A0, U+2009,
    U+202F) and control characters as \\u escapes, so the editor sees them."""
    out = []
    for char in value:
        if char in ESCAPED:
            out.append(ESCAPED[char])
        elif char in "\u00a0\u2009\u202f\u200b" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _comments(lines: list[str], notes: list[str], prefix: str = "CHECK: ") -> None:
    for note in notes:
        lines.append(f"# {prefix}{note}")


def _source(draft: Draft, text_file: str) -> list[str]:
    source = draft.source
    lines = ["[source]"]
    fields: list[tuple[str, str | None]] = [
        ("id", toml_string(source.id)),
        ("text_file", toml_string(text_file)),
        ("title", toml_string(source.title) if source.title else None),
        ("standfirst", toml_string(source.standfirst) if source.standfirst else None),
        ("publisher", toml_string(source.publisher) if source.publisher else None),
        ("authors", json.dumps(source.authors, ensure_ascii=False)),
        ("editors", json.dumps(source.editors, ensure_ascii=False)),
        ("published_on", source.published_on.isoformat() if source.published_on else None),
        ("language", toml_string(source.language)),
    ]
    for name, value in fields:
        note = source.notes.get(name)
        if value is None and name in OPTIONAL:
            lines.append(f"# {name}: none found (optional)")
            continue
        if value is None:
            lines.append(f"# EDITOR: {name} {note or 'not found: fill in'}")
            lines.append(f"# {name} = ")
            continue
        if note:
            lines.append(f"# {name}: {note}")
        lines.append(f"{name} = {value}")
    if source.url:
        lines.append(f"url = {toml_string(source.url)}")
    else:
        lines.append("# url omitted: the article carries none")
    return lines


def _claim(claim: DraftClaim) -> list[str]:
    lines = ["[[claims]]", f"# {KIND_NOTES[claim.kind]}; span [{claim.start}, {claim.end})"]
    _comments(lines, claim.notes)
    lines += [f"id = {toml_string(claim.id)}", f"kind = {toml_string(claim.kind.value)}"]
    if claim.speaker_id is not None:
        lines.append(f"speaker = {toml_string(claim.speaker_id)}")
    lines += ["topics = []", f"text = {toml_string(claim.text)}"]
    if claim.occurrence is not None:
        lines.append(f"occurrence = {claim.occurrence}")
    return lines


def _statistic(statistic: DraftStatistic) -> list[str]:
    lines = ["[[statistics]]", f"# span [{statistic.start}, {statistic.end})"]
    _comments(lines, statistic.notes)
    lines += [
        f"id = {toml_string(statistic.id)}",
        f"claim = {toml_string(statistic.claim_id)}",
        f"indicator = {toml_string(statistic.indicator)}",
        f"entity = {toml_string(statistic.entity)}",
        f"value = {toml_number(statistic.value)}",
        f"unit = {toml_string(statistic.unit)}",
        f"display = {toml_string(statistic.display)}",
        f"modality = {toml_string(statistic.modality.value)}",
    ]
    period = statistic.period
    if period is None:
        lines.append("# period = { label = , start = , end = }")
    else:
        lines.append(
            f"period = {{ label = {toml_string(period.label)}, start = {period.start.isoformat()}, "
            f"end = {period.end.isoformat()} }}"
        )
    return lines


def _speaker(speaker: Speaker) -> list[str]:
    lines = ["[[speakers]]"]
    _comments(lines, speaker.notes, "")
    lines += [f"id = {toml_string(speaker.id)}", f"name = {toml_string(speaker.name)}"]
    for name in ("title", "affiliation", "country"):
        value = getattr(speaker, name)
        if value:
            lines.append(f"{name} = {toml_string(value)}")
    return lines


def _known_ids(name: str) -> set[str]:
    """The ids seed/data/{name}.toml holds (none if it cannot be read)."""
    try:
        entries = tomllib.loads((DATA_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return set()
    return {str(entry.get("id")) for entry in entries.get(name, []) if isinstance(entry, dict)}


def _vocabularies(draft: Draft) -> dict[str, list[list[str]]]:
    """The entities, indicators and units the figures name that seed/data lacks, as entries
    to complete (by file)."""
    statistics = draft.statistics
    blocks: dict[str, list[list[str]]] = {"entities": [], "indicators": [], "units": []}
    for code in sorted({s.entity for s in statistics} - _known_ids("entities")):
        name = country_name(code)
        kind = "country" if name else "organisation"
        lines = ["[[entities]]", *([] if name else ["# CHECK: name and kind"])]
        lines += [f"id = {toml_string(code)}", f"name = {toml_string(name or code)}"]
        lines += [
            f"kind = {toml_string(kind)}",
            *([f"iso_code = {toml_string(code)}"] * bool(name)),
        ]
        blocks["entities"].append(lines)
    units = {s.indicator: s.unit for s in statistics}
    for slug in sorted(set(units) - _known_ids("indicators")):
        label = slug.replace("_", " ").capitalize()
        blocks["indicators"].append(
            ["[[indicators]]", "# CHECK: label; add a description", f"id = {toml_string(slug)}",
             f"label = {toml_string(label)}", f"unit = {toml_string(units[slug])}"]
        )  # fmt: skip
    for unit in sorted({s.unit for s in statistics} - _known_ids("units")):
        label = unit.replace("_", " ").capitalize()
        blocks["units"].append(
            ["[[units]]", "# CHECK: label, symbol and dimension", f"id = {toml_string(unit)}",
             f"label = {toml_string(label)}", 'dimension = "quantity"']
        )  # fmt: skip
    return blocks


def render(draft: Draft, text_file: str) -> str:
    """The draft as a seed source file, with its speakers as comments to paste."""
    lines = [
        "# " + "=" * 77,
        f"# DRAFT of a seed source, made by `python -m seed draft` from {Path(text_file).name}",
        "# " + "=" * 77,
        "#",
        "# Review every claim and figure against the text (docs/drafting.md): `# CHECK:`",
        "# lines say where the drafter is unsure and why; add topics; then delete these",
        "# comments as you go and run `python -m seed check`.",
        "#",
        "# Speakers: add these entries to speakers.toml (those already there: reuse their",
        "# ids in the claims below instead).",
    ]
    for speaker in draft.speakers:
        lines.append("#")
        lines += [f"#   {line}" for line in _speaker(speaker)]
    for name, entries in _vocabularies(draft).items():
        if entries:
            lines += [
                "#",
                f"# Add these entries to {name}.toml (what the figures name that it lacks).",
            ]
        for entry in entries:
            lines.append("#")
            lines += [f"#   {line}" for line in entry]
    lines += ["# " + "=" * 77, ""]
    lines += _source(draft, text_file)
    for claim in draft.claims:
        lines += ["", *_claim(claim)]
    for statistic in draft.statistics:
        lines += ["", *_statistic(statistic)]
    return "\n".join(lines) + "\n"


def run(article: Path, source_id: str | None, out: Path | None, author_statements: bool) -> int:
    """The command: exit 0 with the draft written, 2 with a message on bad input."""
    if source_id is not None and not re.fullmatch(SLUG, source_id):
        print(f"seed: error: --source-id {source_id!r} is not a slug ({SLUG})", file=sys.stderr)
        return 2
    try:
        text = article.read_bytes().decode("utf-8")
    except OSError as error:
        print(f"seed: error: {article}: cannot be read: {error.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as error:
        print(f"seed: error: {article}: is not UTF-8 ({error.reason} at byte {error.start})",
              file=sys.stderr)  # fmt: skip
        return 2
    if not text.strip():
        print(f"seed: error: {article}: is empty", file=sys.stderr)
        return 2
    if source_id is None and re.fullmatch(SLUG, article.stem):
        source_id = article.stem
    draft = draft_article(text, source_id=source_id, author_statements=author_statements)
    if out is None:
        sys.stdout.write(render(draft, article.name))
        return 0
    text_file = os.path.relpath(article.resolve(), out.resolve().parent)
    try:
        out.write_text(render(draft, text_file), encoding="utf-8")
    except OSError as error:
        print(f"seed: error: {out}: cannot be written: {error.strerror}", file=sys.stderr)
        return 2
    counts = _counts(draft)
    print(f"seed: draft: {out}: {counts}", file=sys.stderr)
    return 0


def _counts(draft: Draft) -> str:
    kinds = [claim.kind for claim in draft.claims]
    parts = [f"{kinds.count(kind)} {kind.value}" for kind in ClaimKind]
    needs = sum(bool(c.notes) for c in draft.claims) + sum(bool(s.notes) for s in draft.statistics)
    return (
        f"{', '.join(parts)}, {len(draft.statistics)} statistics, {len(draft.speakers)} speakers; "
        f"{needs} to check"
    )
