"""A throwaway PostgreSQL cluster that a test owns: initdb in a temp dir, started and stopped
with pg_ctl on a free port. pg_ctl refuses to run as root, so as root it runs as `postgres`.

`replicated_cluster` adds a streaming replica: `pg_basebackup -R -X stream` of the primary into a
second directory, started on another port (initdb's pg_hba.conf already trusts replication
connections from 127.0.0.1)."""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import free_port


def postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _as_cluster_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Cluster:
    bin: Path
    data: Path
    log: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]
        subprocess.run(_as_cluster_owner(command), check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._pg_ctl("-w", "-o", options, "start")

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "stop")


def _server_binaries() -> Path:
    binaries = postgres_bin()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL cluster tests, but pg_ctl is not installed")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return binaries


@contextmanager
def _cluster_directory() -> Iterator[tuple[Path, Path]]:
    """A new root for one cluster, and its (empty) data directory, both reachable by the
    cluster owner; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="claimbase-pg-"))
    root.chmod(0o777)  # the cluster owner (postgres) must reach it
    data = root / "data"
    if os.geteuid() == 0:
        data.mkdir(mode=0o700)
        shutil.chown(data, "postgres", "postgres")
        (root / "postgres.log").touch()
        shutil.chown(root / "postgres.log", "postgres", "postgres")
    try:
        yield root, data
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _running(cluster: Cluster) -> Iterator[Cluster]:
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    binaries = _server_binaries()
    with _cluster_directory() as (root, data):
        initdb = [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N"]
        subprocess.run(_as_cluster_owner(initdb), check=True, capture_output=True, timeout=120)
        with _running(Cluster(binaries, data, root / "postgres.log", free_port())) as cluster:
            yield cluster


@dataclass
class Replication:
    primary: Cluster
    replica: Cluster


@contextmanager
def replicated_cluster() -> Iterator[Replication]:
    """A primary and a streaming replica of it, each a throwaway cluster on its own port."""
    with throwaway_cluster() as primary, _cluster_directory() as (root, data):
        backup = [
            str(primary.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
            "-U", "postgres", "-D", str(data), "-R", "-X", "stream", "--no-sync",
        ]  # fmt: skip
        subprocess.run(_as_cluster_owner(backup), check=True, capture_output=True, timeout=120)
        replica = Cluster(primary.bin, data, root / "postgres.log", free_port())
        with _running(replica):
            yield Replication(primary, replica)
