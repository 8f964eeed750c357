"""Indexes for the pipeline's sorts (close date, amount, last update) and a manager's totals

The pipeline list and the opportunities API show one page of a manager's deals sorted by close date, amount
or last update. Without an index in that order, PostgreSQL read every deal the manager sees and sorted them
for each page (the large demo's Latin America: 214,590 open deals, 150-180 ms per page, bench/load.py);
with one it walks the index and stops after the page (under 2 ms). The totals and counts the rollup cannot
answer (a partner type, stalled deals) read a manager's deals from a covering index, without the table
(index-only: 140 -> 20 ms for the count of a region's stalled deals). Review note: on PostgreSQL the indexes are
built CONCURRENTLY, so writes to `opportunities` go on while they build.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 16:00:00
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_opportunities_close': ['close_date', 'id'],
    'ix_opportunities_amount': ['amount_minor'],
    'ix_opportunities_updated': ['updated_at'],
    'ix_opportunities_territory_totals': ['territory_id', 'outcome', 'partner_id', 'stage_changed_at', 'stage_id',
                                          'currency', 'close_date', 'amount_minor', 'probability'],
}


def upgrade() -> None:
    if op.get_context().dialect.name != 'postgresql':
        with op.batch_alter_table('opportunities', schema=None) as batch_op:
            for name, columns in INDEXES.items():
                batch_op.create_index(name, columns, unique=False)
        return
    # CONCURRENTLY cannot run inside a transaction: Alembic commits the migrations before this one first.
    with op.get_context().autocommit_block():
        for name, columns in INDEXES.items():
            # A concurrent build that failed (lock timeout, cancel) leaves an INVALID index behind; a rerun drops it.
            op.drop_index(name, table_name='opportunities', postgresql_concurrently=True, if_exists=True)
            op.create_index(name, 'opportunities', columns, unique=False, postgresql_concurrently=True)


def downgrade() -> None:
    if op.get_context().dialect.name != 'postgresql':
        with op.batch_alter_table('opportunities', schema=None) as batch_op:
            for name in reversed(INDEXES):
                batch_op.drop_index(name)
        return
    with op.get_context().autocommit_block():
        for name in reversed(INDEXES):
            op.drop_index(name, table_name='opportunities', postgresql_concurrently=True, if_exists=True)
