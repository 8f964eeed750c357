"""Index for My day's stalled deals

My day lists open deals whose stage has not changed for N days, oldest change first, and counts them
(capped). No index held stage_changed_at, so a manager's agenda read every open deal of their
territories and sorted them: about 100 ms for 500 partners and 0.7-1 s for a region at the large demo
scale (bench/engagement.py). With (outcome, stage_changed_at, territory_id, close_date) the list walks the
oldest changes in order and stops after a page; the capped count reads the index alone. Review note: plain
CREATE INDEX locks writes to `opportunities` while it builds (about 2 s at 500,000 deals on SQLite).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 03:00:00
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index('ix_opportunities_outcome_stalled',
                              ['outcome', 'stage_changed_at', 'territory_id', 'close_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_outcome_stalled')
