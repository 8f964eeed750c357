"""Pipeline rollup and the board index

The rollup is derived data: the upgrade fills it from the deals already there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 00:24:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opportunity_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('deals', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('weighted_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_opportunity_rollup_stage_id_stages')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_opportunity_rollup_territory_id_territories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_rollup')),
    sa.UniqueConstraint('territory_id', 'stage_id', 'currency', 'close_date', name=op.f('uq_opportunity_rollup_territory_id_stage_id_currency_close_date'))
    )
    with op.batch_alter_table('opportunity_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_opportunity_rollup_totals', ['outcome', 'territory_id', 'currency', 'close_date', 'stage_id', 'deals', 'amount_minor', 'weighted_minor'], unique=False)

    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index('ix_opportunities_stage_close', ['stage_id', 'close_date', 'id'], unique=False)

    op.execute(
        "INSERT INTO opportunity_rollup (territory_id, stage_id, currency, close_date, outcome, deals, amount_minor,"
        " weighted_minor) SELECT territory_id, stage_id, currency, close_date, MIN(outcome), COUNT(*),"
        " SUM(amount_minor), SUM(amount_minor * probability) FROM opportunities"
        " GROUP BY territory_id, stage_id, currency, close_date")



def downgrade() -> None:
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_stage_close')

    with op.batch_alter_table('opportunity_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_rollup_totals')

    op.drop_table('opportunity_rollup')
