"""A throwaway PostgreSQL cluster that a test owns: initdb in a temp dir, started and stopped
with pg_ctl on a free port. pg_ctl refuses to run as root, so as root it runs as `postgres`."""

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


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    binaries = postgres_bin()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL fault tests, but pg_ctl is not installed")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="claimbase-pg-"))
    root.chmod(0o777)  # the cluster owner (postgres) must reach it
    data = root / "data"
    if os.geteuid() == 0:
        data.mkdir()
        shutil.chown(data, "postgres", "postgres")
    initdb = [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N"]
    subprocess.run(_as_cluster_owner(initdb), check=True, capture_output=True, timeout=120)
    cluster = Cluster(binaries, data, root / "postgres.log", free_port())
    if os.geteuid() == 0:
        cluster.log.touch()
        shutil.chown(cluster.log, "postgres", "postgres")
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
