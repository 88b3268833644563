"""`python -m app`: operator commands (`migrate`, `serve`, `keys`)."""

import argparse
import shutil
import sys
from pathlib import Path

import uvicorn
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.serving import UVICORN_OPTIONS
from app.store.engine import build_engine
from app.store.migrate import upgrade
from app.store.models import ApiKey
from app.web.logs import uvicorn_log_config
from app.write.auth import SCOPES, create_key, revoke_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate DATABASE_URL to the latest schema")
    serve = commands.add_parser("serve", help="serve the API (HOST and PORT from settings)")
    serve.add_argument("--workers", type=int, default=None, help="default: WORKERS")
    add_commands(commands)
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "migrate":
        upgrade(settings.database_url)
        return 0
    if args.command == "keys":
        return run_keys(args, settings.database_url)
    if settings.metrics_enabled and settings.prometheus_multiproc_dir:
        # The workers' metric files of a previous run would be added to this one's.
        directory = Path(settings.prometheus_multiproc_dir)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        workers=args.workers or settings.workers,
        access_log=False,
        log_config=uvicorn_log_config(settings.log_format),
        # On SIGTERM: stop accepting, let requests in flight finish (at most this long), then
        # close the pools (app.main's lifespan).
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        **UVICORN_OPTIONS,
    )
    return 0


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    create = keys.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--name", required=True, help="who writes with it; history shows it")
    create.add_argument("--scope", choices=SCOPES, default="write")
    revoke = keys.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("--name", required=True)
    keys.add_parser("list", help="list keys (names, scopes, dates; never tokens)")


def run_keys(args: argparse.Namespace, database_url: str) -> int:
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            if args.action == "create":
                try:
                    print(create_key(connection, args.name, args.scope))
                except IntegrityError:
                    print(f"keys: error: a key named {args.name!r} exists already")
                    return 1
            elif args.action == "revoke":
                if not revoke_key(connection, args.name):
                    print(f"keys: error: no active key named {args.name!r}")
                    return 1
                print(f"revoked {args.name}")
            else:
                for key in connection.execute(select(ApiKey).order_by(ApiKey.name)):
                    revoked = key.revoked_at.isoformat() if key.revoked_at else "active"
                    print(f"{key.name}\t{key.scope}\t{key.created_at.isoformat()}\t{revoked}")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
