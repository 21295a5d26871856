"""Backups of the whole database with PostgreSQL's own tools (pg_dump's custom format, pg_restore)."""

import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def _connection(database: str | None = None) -> tuple[dict, str]:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PGHOST": db.get("HOST") or "127.0.0.1",
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
    }
    return env, database or db["NAME"]


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def backup(path: Path, database: str | None = None) -> Path:
    """Dump the database to `path` (custom format: compressed, restorable table by table)."""
    env, name = _connection(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", name], env)
    return path


def restore(path: Path, database: str | None = None) -> None:
    """Restore a dump into `database` (default: the configured one), replacing what it holds, in one
    transaction: on any error nothing is changed."""
    if not path.is_file():
        raise CommandError(f"{path} is not a file")
    env, name = _connection(database)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={name}",
            str(path),
        ],
        env,
    )
