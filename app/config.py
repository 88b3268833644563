"""Settings read from the environment (and an optional `.env` file), cached once per process."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'claimbase.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Comma-separated origins; "*" allows any origin (reads only, never with credentials).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    # Comma-separated host names the API answers for (the Host header, port aside); others are
    # a 400 problem, since links are built from it. `*.example.org` matches subdomains; `*`
    # trusts any Host (only behind a proxy that checks it).
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"]
    )
    # Signs pagination cursors so a tampered cursor is refused instead of silently misread.
    # Every worker behind one load balancer must share it: set it in production.
    cursor_secret: str = "claimbase-development-cursor-secret"
    # Serve the example frontend (examples/explorer) at /explorer; turn off where unwanted.
    explorer_enabled: bool = True
    # Reads are public by default; true makes every read need a key of the `read` scope.
    reads_require_key: bool = False
    # Writes are not offered to browsers cross-origin unless this is set.
    cors_allow_writes: bool = False
    # Connections each worker keeps open to PostgreSQL.
    db_pool_size: int = 5
    db_max_overflow: int = 5
    # Request bodies above this many bytes are refused with 413 before any route reads them.
    max_body_bytes: int = Field(1_048_576, ge=1)
    # JSON bodies nesting arrays/objects deeper than this are refused (400 invalid-body).
    max_json_depth: int = Field(32, ge=1)
    # Token buckets per worker process (see app/web/ratelimit.py): writes per API key, expensive
    # reads (count=true, q, limit > 100, exports, search) per client address.
    rate_limit_enabled: bool = True
    rate_limit_writes_per_minute: float = Field(60, gt=0)
    rate_limit_expensive_reads_per_minute: float = Field(120, gt=0)
    rate_limit_burst: int = Field(20, ge=1)
    # PostgreSQL read replicas (comma-separated URLs), fed by the primary's streaming
    # replication; reads go to a healthy one (app/store/replicas.py).
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A replica further behind than this (the age of the oldest change it lacks) serves no reads.
    replica_max_lag_seconds: float = Field(5, gt=0)
    replica_check_interval_seconds: float = Field(1, gt=0)
    # The share of reads (0 to 1) the primary keeps although a healthy replica could serve them.
    primary_read_share: float = Field(0, ge=0, le=1)
    # One line per record on stderr: "text" for a terminal, "json" for a log pipeline.
    log_format: Literal["text", "json"] = "text"
    # GET /metrics in the Prometheus text format; with a token, only for `Bearer <token>`.
    metrics_enabled: bool = False
    metrics_token: str | None = None
    # prometheus-client's own variable: a directory where the workers of one machine keep their
    # metrics, so that /metrics (answered by any worker) adds them all up.
    prometheus_multiproc_dir: str | None = None
    # OpenTelemetry spans (the `tracing` install extra) go to this OTLP/HTTP collector.
    otel_exporter_otlp_endpoint: str | None = None
    # `python -m app serve`: worker processes, and how long SIGTERM waits for requests in flight.
    workers: int = Field(1, ge=1)
    graceful_shutdown_seconds: int = Field(30, ge=1)

    @field_validator("cors_origins", "database_replica_urls", "trusted_hosts", mode="before")
    @classmethod
    def split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def replicas_are_postgresql(self) -> Self:
        urls = [self.database_url, *self.database_replica_urls]
        if self.database_replica_urls and not all(u.startswith("postgresql") for u in urls):
            raise ValueError(
                "DATABASE_REPLICA_URLS needs PostgreSQL, for the primary and every replica "
                "(SQLite has no replicas)"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
