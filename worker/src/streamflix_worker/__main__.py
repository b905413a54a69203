"""Command line: ``python -m streamflix_worker run`` (default), ``... migrate`` or ``... redrive``."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence

from streamflix_worker.config import ConfigError, load_config, load_db_settings, required
from streamflix_worker.contract import Env


def _run() -> int:
    from streamflix_worker.app import build_context
    from streamflix_worker.database import Session
    from streamflix_worker.migrations import DEFAULT_DIR, pending_versions
    from streamflix_worker.shutdown import install_signal_handlers
    from streamflix_worker.supervisor import Supervisor

    config = load_config()
    stop = threading.Event()
    install_signal_handlers(stop)
    context = build_context(config)
    session = Session(context.database)
    try:
        pending = session.transaction(lambda conn: pending_versions(conn, DEFAULT_DIR))
    finally:
        session.close()
    if pending:
        context.logger.error("database schema is not migrated", extra={"pending": pending})
        print(
            f"database schema is missing migrations {pending}: run `migrate` first",
            file=sys.stderr,
        )
        return 3
    return Supervisor(context).run(stop)


def _migrate() -> int:
    from streamflix_worker.app import credentials_for
    from streamflix_worker.aws import make_clients
    from streamflix_worker.database import Database
    from streamflix_worker.migrations import DEFAULT_DIR, apply_migrations

    settings = load_db_settings()
    region = required(os.environ, Env.AWS_REGION)
    if settings.auth != "secret":
        # Migrations run as the master user, whose password only the migrate task may read.
        raise ConfigError(Env.DB_AUTH, "must be 'secret' for migrate (the master user's secret)")
    credentials = credentials_for(settings, make_clients(region), region)
    database = Database(settings, credentials, "streamflix-migrate")
    with database.connect() as conn:
        applied = apply_migrations(conn, DEFAULT_DIR)
    print(f"applied migrations: {applied or 'none (schema up to date)'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from streamflix_worker import redrive

    parser = argparse.ArgumentParser(prog="python -m streamflix_worker")
    commands = parser.add_subparsers(dest="command", metavar="{run,migrate,redrive}")
    commands.add_parser("run", help="the service (default)")
    commands.add_parser("migrate", help="apply the database migrations")
    redrive.add_arguments(
        commands.add_parser("redrive", help="move dead letters back to the stream, marked")
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "redrive":
            return redrive.redrive(args)
        return _migrate() if args.command == "migrate" else _run()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
