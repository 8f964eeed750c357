"""Tier requirements set by the program

New tables only: nothing existing is locked or rewritten.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tier_requirements',
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=30), nullable=False),
    sa.Column('minimum', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('minimum >= 0', name=op.f('ck_tier_requirements_minimum_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_requirements')),
    sa.UniqueConstraint('tier', 'key', name=op.f('uq_tier_requirements_tier_key'))
    )


def downgrade() -> None:
    op.drop_table('tier_requirements')
