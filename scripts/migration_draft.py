"""Print the Alembic operations that would create the named tables (a draft for a new migration's body).

    .venv/bin/python scripts/migration_draft.py recruitment_records partner_applications

Migrates a scratch SQLite database to head, compares it with the models and keeps only the named tables, so
work in progress elsewhere does not leak into the draft. Review the output before pasting it."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext

from channelbase.core import migrate
from channelbase.core.db import make_engine
from channelbase.models import Base


def _touches(op, tables: set[str]) -> bool:
    name = getattr(op, "table_name", None)
    return name in tables


def main(tables: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'draft.db'}")
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True, "compare_type": True})
            script = produce_migrations(context, Base.metadata)
        engine.dispose()
    wanted = set(tables)
    script.upgrade_ops.ops = [op for op in script.upgrade_ops.ops if _touches(op, wanted)]
    script.downgrade_ops.ops = [op for op in script.downgrade_ops.ops if _touches(op, wanted)]
    print(render_python_code(script.upgrade_ops, render_as_batch=True))
    print("# --- downgrade ---")
    print(render_python_code(script.downgrade_ops, render_as_batch=True))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
