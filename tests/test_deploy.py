"""docker-compose.yml and Dockerfile: no Docker engine runs here, so check that they parse
and agree with the settings the app reads, and that the replica is a streaming copy of the
primary that the API is pointed at."""

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT, Settings


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    return document


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (PROJECT_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_api_environment_is_settings_the_app_reads(compose: dict[str, Any]) -> None:
    environment = compose["services"]["api"]["environment"]
    assert set(environment) <= {name.upper() for name in Settings.model_fields}
    settings = Settings(**{name.lower(): value for name, value in environment.items()})
    assert (settings.host, settings.port) == ("0.0.0.0", 8000)


def test_db_is_postgres_15_with_a_healthcheck(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"] == "postgres:15"
    test = db["healthcheck"]["test"]
    assert test[0] in {"CMD", "CMD-SHELL"}
    assert "pg_isready" in " ".join(test)


def test_api_waits_for_a_healthy_db_and_points_at_it(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    healthy = {"condition": "service_healthy"}
    assert api["depends_on"] == {"db": healthy, "db-replica": healthy}
    url = make_url(api["environment"]["DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "db"
    db_environment = compose["services"]["db"]["environment"]
    assert url.username == db_environment["POSTGRES_USER"]
    assert url.password == db_environment["POSTGRES_PASSWORD"]
    assert url.database == db_environment["POSTGRES_DB"]
    assert api["ports"] == ["8000:8000"]
    assert Path(PROJECT_ROOT / api["build"] / "Dockerfile").is_file()


def test_dockerfile_installs_the_lock_and_runs_unprivileged() -> None:
    instructions = dockerfile()
    assert instructions[0] == "FROM python:3.11-slim"
    assert any("uv pip sync" in line and "requirements.lock" in line for line in instructions)
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users
    assert users[-1] not in {"root", "0"}
    for directory in ("app", "migrations", "seed"):
        assert any(line.startswith(f"COPY {directory} ") for line in instructions)


def test_dockerfile_command_migrates_seeds_then_serves() -> None:
    commands = [line for line in dockerfile() if line.startswith("CMD ")]
    assert len(commands) == 1
    argv = yaml.safe_load(commands[0].removeprefix("CMD "))  # a JSON array is YAML too
    assert argv[:2] == ["sh", "-c"]
    steps = [shlex.split(step) for step in argv[2].split("&&")]
    assert steps == [
        ["python", "-m", "app", "migrate"],
        ["python", "-m", "seed"],
        ["exec", "python", "-m", "app", "serve"],
    ]
    env = next(line for line in dockerfile() if line.startswith("ENV "))
    assert "HOST=0.0.0.0" in env
    assert "PORT=8000" in env
    assert "MALLOC_ARENA_MAX=2" in env  # docs/operations.md, Deploying: Memory


def api_settings(compose: dict[str, Any]) -> Settings:
    environment = compose["services"]["api"]["environment"]
    return Settings(**{name.lower(): value for name, value in environment.items()})


def test_the_api_reads_from_the_replica_with_the_primary_s_credentials(
    compose: dict[str, Any],
) -> None:
    settings = api_settings(compose)
    primary = make_url(settings.database_url)
    (replica_url,) = settings.database_replica_urls
    replica = make_url(replica_url)
    assert replica.host == "db-replica"
    assert (replica.drivername, replica.username, replica.password, replica.database) == (
        primary.drivername,
        primary.username,
        primary.password,
        primary.database,
    )


def test_the_replica_is_a_streaming_copy_of_the_primary(compose: dict[str, Any]) -> None:
    services = compose["services"]
    db, replica = services["db"], services["db-replica"]
    assert replica["image"] == db["image"]
    assert replica["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(replica["healthcheck"]["test"])
    script = " ".join(replica["entrypoint"])
    backup = shlex.split(script[script.index("pg_basebackup") :].split("&&")[0])
    with_values = ("-h", "-p", "-U", "-D", "-X")
    options = {flag: backup[n + 1] for n, flag in enumerate(backup) if flag in with_values}
    assert options["-h"] == "db"
    assert options["-U"] == db["environment"]["POSTGRES_USER"]
    assert options["-X"] == "stream"
    assert "-R" in backup  # standby.signal and primary_conninfo: it follows the primary
    assert replica["environment"]["PGPASSWORD"] == db["environment"]["POSTGRES_PASSWORD"]
    assert replica["user"] == "postgres"  # PostgreSQL refuses to run as root


def test_the_primary_accepts_the_replica_s_replication_connection(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert "wal_level=replica" in db["command"]
    (init,) = [volume for volume in db["volumes"] if "docker-entrypoint-initdb.d" in volume]
    script = PROJECT_ROOT / init.split(":")[0]
    assert script.is_file()
    assert script.stat().st_mode & 0o111, "the image runs only executable .sh scripts"
    assert "host replication ${POSTGRES_USER} all scram-sha-256" in script.read_text()


def test_metrics_and_shutdown_fit_several_workers(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    settings = api_settings(compose)
    assert settings.workers >= 2
    assert settings.metrics_enabled
    assert settings.metrics_token, "metrics behind a token"
    assert settings.prometheus_multiproc_dir, "one sum over the workers"
    assert settings.log_format == "json"
    grace = int(api["stop_grace_period"].removesuffix("s"))
    assert grace > settings.graceful_shutdown_seconds
