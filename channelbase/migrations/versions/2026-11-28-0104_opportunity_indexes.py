"""Opportunity indexes for the list and uncovered totals

The pipeline list opens on open deals by close date (outcome, close_date, id); totals the rollup cannot
answer read amount and probability from ix_opportunities_totals alone. Review note: plain CREATE INDEX
locks writes to `opportunities` while it builds (seconds at 500,000 deals).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 01:04:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunities_totals'))
        batch_op.create_index('ix_opportunities_totals', ['outcome', 'currency', 'close_date', 'stage_id', 'territory_id', 'amount_minor', 'probability'], unique=False)
        batch_op.create_index('ix_opportunities_outcome_close', ['outcome', 'close_date', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_outcome_close')
        batch_op.drop_index('ix_opportunities_totals')
        batch_op.create_index(batch_op.f('ix_opportunities_totals'), ['outcome', 'currency', 'close_date', 'stage_id', 'territory_id', 'amount_minor'], unique=False)

