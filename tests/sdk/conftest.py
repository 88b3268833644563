"""A writable live server per SDK test module: the tours' writes must not change the figures
that the session's shared live server (`live_url`) serves to other tests."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.write.auth import create_key
from tests.conftest import migrate_and_seed
from tests.support.databases import fresh_database
from tests.support.servers import server_process

# The figure the write step corrects, and what it corrects (its value is bound to its words,
# so the tour renames what it measures).
WRITE_TARGET = "chn-monthly-wafer-capacity"
CORRECTED_INDICATOR = "monthly_wafer_production_capacity"


@dataclass(frozen=True)
class WritableServer:
    url: str
    write_key: str


@pytest.fixture(scope="module")
def writable_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WritableServer]:
    """A live server on a fresh seeded database of its own, with a write key for it."""
    directory = tmp_path_factory.mktemp(f"writable-{backend}")
    with fresh_database(backend, directory) as url:
        engine = migrate_and_seed(url)
        with engine.begin() as connection:
            key = create_key(connection, "sdk", "write")
        engine.dispose()
        with server_process(url, log=directory / "uvicorn.log") as server:
            yield WritableServer(server.base_url, key)
