"""Joint business plans: plans, commitments by quarter, and revisions

New tables only: nothing existing is locked or rewritten.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_plans',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('active_key', sa.String(length=40), nullable=True),
    sa.Column('objectives', sa.Text(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('signed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_business_plans_revision_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_business_plans_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_business_plans_partner_id_partners')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_business_plans_signed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_plans')),
    sa.UniqueConstraint('active_key', name=op.f('uq_business_plans_active_key'))
    )
    with op.batch_alter_table('business_plans', schema=None) as batch_op:
        batch_op.create_index('ix_business_plans_partner_year', ['partner_id', 'fiscal_year'], unique=False)
        batch_op.create_index('ix_business_plans_year_status', ['fiscal_year', 'status'], unique=False)

    op.create_table('plan_commitments',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('q1_target', sa.BigInteger(), nullable=False),
    sa.Column('q2_target', sa.BigInteger(), nullable=False),
    sa.Column('q3_target', sa.BigInteger(), nullable=False),
    sa.Column('q4_target', sa.BigInteger(), nullable=False),
    sa.Column('q1_actual', sa.BigInteger(), nullable=True),
    sa.Column('q2_actual', sa.BigInteger(), nullable=True),
    sa.Column('q3_actual', sa.BigInteger(), nullable=True),
    sa.Column('q4_actual', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('q1_target >= 0 AND q2_target >= 0 AND q3_target >= 0 AND q4_target >= 0', name=op.f('ck_plan_commitments_targets_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['business_plans.id'], name=op.f('fk_plan_commitments_plan_id_business_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_commitments'))
    )
    with op.batch_alter_table('plan_commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_commitments_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_revisions',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_plan_revisions_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['business_plans.id'], name=op.f('fk_plan_revisions_plan_id_business_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revisions'))
    )
    with op.batch_alter_table('plan_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_plan_revisions_plan_revision', ['plan_id', 'revision'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_revisions_plan_revision')

    op.drop_table('plan_revisions')
    with op.batch_alter_table('plan_commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_commitments_plan_id'))

    op.drop_table('plan_commitments')
    with op.batch_alter_table('business_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_business_plans_year_status')
        batch_op.drop_index('ix_business_plans_partner_year')

    op.drop_table('business_plans')
