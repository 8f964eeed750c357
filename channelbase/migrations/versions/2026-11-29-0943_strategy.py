"""Channel strategy per territory

New tables only: nothing existing is locked or rewritten.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('territory_strategies',
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('partner_mix', sa.JSON(), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('fiscal_year >= 2000 AND fiscal_year <= 2100', name=op.f('ck_territory_strategies_fiscal_year_in_range')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_territory_strategies_territory_id_territories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_territory_strategies_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_territory_strategies')),
    sa.UniqueConstraint('territory_id', 'fiscal_year', name=op.f('uq_territory_strategies_territory_id_fiscal_year'))
    )


def downgrade() -> None:
    op.drop_table('territory_strategies')
