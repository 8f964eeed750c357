"""Trigram index for searching opportunities by name

The pipeline's search (`q`) matches any part of the name, `name ILIKE '%fuent%'`, which no B-tree can
answer: PostgreSQL read all 500,000 opportunities of the large demo for each search (300 ms alone, 2-5 s
under the load test's mix, bench/load.py). A GIN index of the name's trigrams (pg_trgm, a trusted extension
the database owner may create) finds the matching rows directly. SQLite gets a plain index on the name
(SQLite cannot use any index for such a LIKE; the models declare one index for both). Review note: on
PostgreSQL the index is built CONCURRENTLY, so writes to `opportunities` go on while it builds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 11:15:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

INDEX = 'ix_opportunities_name_search'


def upgrade() -> None:
    if op.get_context().dialect.name != 'postgresql':
        with op.batch_alter_table('opportunities', schema=None) as batch_op:
            batch_op.create_index(INDEX, ['name'], unique=False)
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # CONCURRENTLY cannot run inside a transaction: Alembic commits the migrations before this one first.
    with op.get_context().autocommit_block():
        # A concurrent build that failed (lock timeout, cancel) leaves an INVALID index behind; a rerun drops it.
        op.drop_index(INDEX, table_name='opportunities', postgresql_concurrently=True, if_exists=True)
        op.create_index(INDEX, 'opportunities', ['name'], unique=False, postgresql_using='gin',
                        postgresql_ops={'name': 'gin_trgm_ops'}, postgresql_concurrently=True)


def downgrade() -> None:
    # The pg_trgm extension stays: other objects (or a DBA's own indexes) may use it by now.
    if op.get_context().dialect.name != 'postgresql':
        with op.batch_alter_table('opportunities', schema=None) as batch_op:
            batch_op.drop_index(INDEX)
        return
    with op.get_context().autocommit_block():
        op.drop_index(INDEX, table_name='opportunities', postgresql_concurrently=True)
