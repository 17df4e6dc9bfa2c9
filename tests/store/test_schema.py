"""Migrations on both dialects: upgrade from empty, no drift from the tables, a round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from polestar.cli import app
from polestar.settings import Settings, get_settings
from polestar.store import search_index
from polestar.store.engine import create_engine
from polestar.store.schema import (
    alembic_config,
    downgrade,
    head_revision,
    stored_revision,
    upgrade,
)
from polestar.store.tables import (
    events,
    metadata,
    search_keys,
    search_keys_recent,
    search_keys_recent_records,
)

_KEY = ("key", "entity_id", "record_id")


def _tables(url: str, *, upgraded: bool = False) -> set[str]:
    """The tables of the store at `url`, after upgrading it if `upgraded`."""
    engine = create_engine(settings=Settings(database_url=url))
    try:
        if upgraded:
            upgrade(engine)
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_declared_table(blank_database_url: str) -> None:
    assert not _tables(blank_database_url)
    assert set(metadata.tables) <= _tables(blank_database_url, upgraded=True)


def test_a_command_creates_the_store_on_first_use(
    blank_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLESTAR_DATABASE_URL", blank_database_url)
    monkeypatch.setenv("POLESTAR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["users", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["users"] == []
    assert set(metadata.tables) <= _tables(blank_database_url)


def test_migrations_match_the_table_declarations(db: Engine) -> None:
    # `alembic check` fails when autogenerate would produce a new migration.
    command.check(alembic_config(db))


def test_the_head_read_from_file_names_is_alembics(db: Engine) -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    assert stored_revision(db) == head_revision()


def test_a_command_on_a_current_store_starts_without_alembic(db: Engine) -> None:
    # Every command calls `upgrade`; on a store at the head it has nothing to load.
    url = db.url.render_as_string(hide_password=False)
    probe = (
        "import sys; from polestar.settings import Settings; "
        "from polestar.store.engine import create_engine; "
        "from polestar.store.schema import upgrade; "
        f"upgrade(create_engine(settings=Settings(database_url={url!r}))); "
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr


def test_downgrade_to_base_and_upgrade_again(db: Engine) -> None:
    downgrade(db, "base")
    assert not set(metadata.tables) & set(sa.inspect(db).get_table_names())
    upgrade(db)
    assert set(metadata.tables) <= set(sa.inspect(db).get_table_names())


def test_recent_keys_listed_one_per_line_move_to_the_built_ones_on_upgrade(
    blank_database_url: str,
) -> None:
    # Migration 0018: rows written before it list their keys one per line, which cannot be
    # read as JSON; the upgrade moves every recent key into `search_keys` (as a merge does),
    # so nothing becomes unsearchable, and the recent keys written after it delete as before.
    engine = create_engine(settings=Settings(database_url=blank_database_url))
    before = {("n:SMITH", "PER-1", 1), ("b:1980-01-01", "PER-1", 1)}
    try:
        upgrade(engine, "0017")
        with engine.begin() as conn:
            rows = [dict(zip(_KEY, row, strict=True)) for row in before]
            conn.execute(search_keys_recent.insert(), rows)
            conn.execute(
                search_keys_recent_records.insert(),
                {"record_id": 1, "entity_id": "PER-1", "keys": "b:1980-01-01\nn:SMITH"},
            )
        upgrade(engine)
        with engine.begin() as conn:
            assert set(conn.execute(sa.select(search_keys)).all()) == before
            for table in (search_keys_recent, search_keys_recent_records):
                assert conn.execute(sa.select(table)).first() is None
            recent = search_index.key_lists({(2, "PER-2"): {"n:JONES", "n:JONE"}})
            staged = search_index.stage_recent(conn, recent)
            assert search_index.write_recent(conn, staged) == 2
            assert search_index.delete_record_keys(conn, [2]) == 2
            assert conn.execute(sa.select(search_keys_recent)).first() is None
    finally:
        engine.dispose()


@pytest.mark.parametrize(("keyed", "version"), [(True, 1), (False, 2)])
def test_a_store_indexed_before_the_keys_were_versioned_holds_the_first_version(
    blank_database_url: str, keyed: bool, version: int
) -> None:
    # Migration 0021: an index written before it lacks the `y` keys of version 2, so the next
    # linkage run must rebuild it; an empty one has nothing to rebuild.
    engine = create_engine(settings=Settings(database_url=blank_database_url))
    try:
        upgrade(engine, "0020")
        if keyed:
            with engine.begin() as conn:
                conn.execute(
                    search_keys.insert(), {"key": "n:SMITH", "entity_id": "PER-1", "record_id": 1}
                )
        upgrade(engine)
        with engine.connect() as conn:
            assert search_index.keys_version(conn) == version
    finally:
        engine.dispose()


def test_supervisions_and_hearings_stored_at_a_london_midnight_are_marked_days_on_upgrade(
    blank_database_url: str,
) -> None:
    # Migration 0024: events stored before it were read by mappings that gave supervisions
    # (and hearings listed without a time) as days, at the start of their London day.
    engine = create_engine(settings=Settings(database_url=blank_database_url))
    stored = {
        1: ("supervision", datetime(2024, 7, 9, 23, 0, tzinfo=UTC)),  # 10 July, BST
        2: ("supervision", datetime(2024, 1, 10, 0, 0, tzinfo=UTC)),  # 10 January, GMT
        3: ("hearing", datetime(2024, 7, 10, 9, 30, tzinfo=UTC)),  # listed at 10:30
        4: ("custody", datetime(2024, 1, 10, 0, 0, tzinfo=UTC)),  # an arrest at midnight
        5: ("supervision", None),
    }
    try:
        upgrade(engine, "0023")
        with engine.begin() as conn:
            now = datetime.now(UTC)
            conn.execute(
                sa.text(
                    "INSERT INTO runs (id, command, actor, started_at, status) "
                    "VALUES (1, 'ingest', 'cli:test', :now, 'completed')"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO source_records (id, source, source_key, current_version, "
                    "content_hash, first_run_id, last_run_id) "
                    "VALUES (1, 'probation', 'X1', 1, 'h', 1, 1)"
                )
            )
            # Written as the store writes them (on SQLite, UTC text without an offset).
            before = sa.table(
                "events",
                *(sa.column(name) for name in ("id", "record_id", "source", "source_key")),
                sa.column("event_type"),
                sa.column("occurred_at", sa.DateTime(timezone=True)),
            )
            conn.execute(
                before.insert(),
                [
                    {
                        "id": event_id,
                        "record_id": 1,
                        "source": "probation",
                        "source_key": f"X1/{event_id}",
                        "event_type": event_type,
                        "occurred_at": moment,
                    }
                    for event_id, (event_type, moment) in stored.items()
                ],
            )
        upgrade(engine)
        with engine.connect() as conn:
            marked = dict(conn.execute(sa.select(events.c.id, events.c.day_only)).all())
        assert marked == {1: True, 2: True, 3: None, 4: None, 5: None}
    finally:
        engine.dispose()
