"""Index for My day's stalled deals

My day lists open deals whose stage has not changed for N days, oldest change first, and counts them
(capped). No index held stage_changed_at, so a manager's agenda read every open deal of their
territories and sorted them: about 100 ms for 500 partners and 0.7-1 s for a region at the large demo
scale (bench/engagement.py). With (outcome, stage_changed_at, territory_id, close_date) the list walks the
oldest changes in order and stops after a page; the capped count reads the index alone. Review note: on
PostgreSQL the index is built CONCURRENTLY, so writes to `opportunities` go on while it builds (plain CREATE
INDEX would block them: seconds at 500,000 deals); SQLite builds it plainly (one writer at a time anyway).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 03:00:00
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

INDEX = 'ix_opportunities_outcome_stalled'
COLUMNS = ['outcome', 'stage_changed_at', 'territory_id', 'close_date']


def upgrade() -> None:
    if op.get_context().dialect.name != 'postgresql':
        with op.batch_alter_table('opportunities', schema=None) as batch_op:
            batch_op.create_index(INDEX, COLUMNS, unique=False)
        return
    # CONCURRENTLY cannot run inside a transaction: Alembic commits the migrations before this one first.
    with op.get_context().autocommit_block():
        # A concurrent build that failed (lock timeout, cancel) leaves an INVALID index behind; a rerun drops it.
        op.drop_index(INDEX, table_name='opportunities', postgresql_concurrently=True, if_exists=True)
        op.create_index(INDEX, 'opportunities', COLUMNS, unique=False, postgresql_concurrently=True)


def downgrade() -> None:
    if op.get_context().dialect.name != 'postgresql':
        with op.batch_alter_table('opportunities', schema=None) as batch_op:
            batch_op.drop_index(INDEX)
        return
    with op.get_context().autocommit_block():
        op.drop_index(INDEX, table_name='opportunities', postgresql_concurrently=True)
