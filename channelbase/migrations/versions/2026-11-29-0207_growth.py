"""Growth: fiscal calendar, quotas, plan rates and forecast calls

New tables only: nothing existing is locked or rewritten.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 02:07:08.434335
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fiscal_calendar',
    sa.Column('start_month', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_calendar'))
    )
    op.create_table('plan_rates',
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('quote_currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=24, scale=12), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_rates')),
    sa.UniqueConstraint('fiscal_year', 'currency', name=op.f('uq_plan_rates_fiscal_year_currency'))
    )
    op.create_table('quotas',
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('target_key', sa.String(length=40), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('q1_minor', sa.BigInteger(), nullable=False),
    sa.Column('q2_minor', sa.BigInteger(), nullable=False),
    sa.Column('q3_minor', sa.BigInteger(), nullable=False),
    sa.Column('q4_minor', sa.BigInteger(), nullable=False),
    sa.Column('growth_pct', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('base_minor', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_quotas_partner_id_partners')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_quotas_territory_id_territories')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quotas_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotas')),
    sa.UniqueConstraint('fiscal_year', 'metric', 'target_key', name=op.f('uq_quotas_fiscal_year_metric_target_key'))
    )
    with op.batch_alter_table('quotas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotas_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotas_territory_id'), ['territory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotas_user_id'), ['user_id'], unique=False)

    op.create_table('forecast_calls',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_forecast_calls_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_forecast_calls_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('opportunity_id', name=op.f('pk_forecast_calls'))
    )


def downgrade() -> None:
    op.drop_table('forecast_calls')
    with op.batch_alter_table('quotas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotas_user_id'))
        batch_op.drop_index(batch_op.f('ix_quotas_territory_id'))
        batch_op.drop_index(batch_op.f('ix_quotas_partner_id'))

    op.drop_table('quotas')
    op.drop_table('plan_rates')
    op.drop_table('fiscal_calendar')
