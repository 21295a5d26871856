"""`manage.py backup` and `restore` round trip: a fresh database gets every table back, row for row."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import FACTORIES, MunicipalityFactory


def _connect(name):
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=name,
        autocommit=True,
    )


def _fingerprint(name) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 over every row of every table (rows in a fixed order)."""
    with _connect(name) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        return {
            table: conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text)), '') FROM \"{table}\" t"
            ).fetchone()
            for table in tables
        }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_has_the_same_rows_in_every_table(tmp_path):
    town = MunicipalityFactory()
    for factory in FACTORIES.values():
        factory(municipality=town)
    source = connection.settings_dict["NAME"]
    target = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "thesaban.dump"

    call_command("backup", output=dump)
    assert dump.stat().st_size > 0
    with _connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{target}" TEMPLATE template0')
    try:
        call_command("restore", dump, database=target, yes=True)
        before, after = _fingerprint(source), _fingerprint(target)
    finally:
        with _connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')

    assert set(after) == set(before)
    assert before["assets_parcel"][0] > 0 and before["municipalities_municipality"][0] >= 3
    differing = [table for table in before if before[table] != after[table]]
    assert differing == []


def test_restoring_a_missing_file_is_refused(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", tmp_path / "nothing.dump", yes=True)
