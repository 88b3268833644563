"""`python -m app keys ...`: create, list and revoke API keys on DATABASE_URL."""

import argparse

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import SCOPES, create_key, revoke_key
from app.db import build_engine
from app.models import ApiKey


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


def run(args: argparse.Namespace, database_url: str) -> int:
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
