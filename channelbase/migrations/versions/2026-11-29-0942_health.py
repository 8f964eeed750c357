"""Partner health: component weights and daily snapshots

New tables only: nothing existing is locked or rewritten.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('health_weights',
    sa.Column('component', sa.String(length=30), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('weight >= 0 AND weight <= 100', name=op.f('ck_health_weights_weight_in_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_weights')),
    sa.UniqueConstraint('component', name=op.f('uq_health_weights_component'))
    )
    op.create_table('health_snapshots',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_health_snapshots_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_snapshots')),
    sa.UniqueConstraint('partner_id', 'day', name=op.f('uq_health_snapshots_partner_id_day'))
    )
    with op.batch_alter_table('health_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_health_snapshots_day', ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('health_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_health_snapshots_day')

    op.drop_table('health_snapshots')
    op.drop_table('health_weights')
