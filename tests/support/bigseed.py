"""Generated seed data directories, large enough that loading them takes a while."""

import shutil
from pathlib import Path

from seed.bundle import DATA_DIR


def write_data_dir(directory: Path, sources: int, claims_per_source: int) -> Path:
    """The real speakers, topics and vocabularies plus `sources` generated articles of many
    short claims."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("speakers.toml", "topics.toml", "entities.toml", "indicators.toml", "units.toml"):
        shutil.copy(DATA_DIR / name, directory / name)
    folder = directory / "sources"
    folder.mkdir(exist_ok=True)
    for number in range(sources):
        source_id = f"generated-{number:05d}"
        sentences = [
            f"Generated article {number} states that output grew by {claim}.{number} percent "
            f"in the year {2000 + claim % 25}, as measured by survey {claim}."
            for claim in range(claims_per_source)
        ]
        (folder / f"{source_id}.txt").write_text(" ".join(sentences), encoding="utf-8")
        lines = [
            "[source]",
            f'id = "{source_id}"',
            f'text_file = "{source_id}.txt"',
            f'title = "Generated article {number}"',
            'publisher = "Generated Press"',
            'authors = ["Generator"]',
            "published_on = 2024-01-01",
            'language = "en"',
        ]
        for claim, sentence in enumerate(sentences):
            lines += [
                "",
                "[[claims]]",
                f'id = "{source_id}-{claim:04d}"',
                'kind = "author_statement"',
                'topics = ["economic-growth"]',
                f'text = "{sentence}"',
            ]
        (folder / f"{source_id}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory
