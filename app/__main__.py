"""`python -m app`: operator commands (`migrate`, `serve`, `keys`)."""

import argparse
import sys

import uvicorn

from app import keys
from app.config import get_settings
from app.migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate DATABASE_URL to the latest schema")
    serve = commands.add_parser("serve", help="serve the API (HOST and PORT from settings)")
    serve.add_argument("--workers", type=int, default=1)
    keys.add_commands(commands)
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "migrate":
        upgrade(settings.database_url)
        return 0
    if args.command == "keys":
        return keys.run(args, settings.database_url)
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        server_header=False,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
