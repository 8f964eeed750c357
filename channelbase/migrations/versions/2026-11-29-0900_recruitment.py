"""Recruitment: coverage targets, the recruitment funnel, fit criteria and partner applications

New tables only: nothing existing is locked or rewritten.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fit_criteria',
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('wanted', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fit_criteria')),
    sa.UniqueConstraint('key', name=op.f('uq_fit_criteria_key'))
    )
    op.create_table('coverage_targets',
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('partner_type', sa.String(length=20), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('target >= 0', name=op.f('ck_coverage_targets_target_not_negative')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_coverage_targets_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_targets')),
    sa.UniqueConstraint('territory_id', 'partner_type', name=op.f('uq_coverage_targets_territory_id_partner_type'))
    )
    op.create_table('partner_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_applications_partner_id_partners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_applications'))
    )
    with op.batch_alter_table('partner_applications', schema=None) as batch_op:
        batch_op.create_index('ix_partner_applications_address', ['address_hash', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_applications_domain'), ['domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_applications_partner_id'), ['partner_id'], unique=False)

    op.create_table('recruitment_records',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stage_changed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('industries', sa.Text(), nullable=False),
    sa.Column('skills', sa.Text(), nullable=False),
    sa.Column('vendors', sa.Text(), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_recruitment_records_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_records')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_recruitment_records_partner_id'))
    )
    with op.batch_alter_table('recruitment_records', schema=None) as batch_op:
        batch_op.create_index('ix_recruitment_records_stage', ['stage', 'stage_changed_at'], unique=False)

    op.create_table('recruitment_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.String(length=20), nullable=True),
    sa.Column('to_stage', sa.String(length=20), nullable=False),
    sa.Column('changed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_recruitment_stage_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_recruitment_stage_changes_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_stage_changes'))
    )
    with op.batch_alter_table('recruitment_stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_recruitment_stage_changes_partner', ['partner_id', 'changed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recruitment_stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_recruitment_stage_changes_partner')

    op.drop_table('recruitment_stage_changes')
    with op.batch_alter_table('recruitment_records', schema=None) as batch_op:
        batch_op.drop_index('ix_recruitment_records_stage')

    op.drop_table('recruitment_records')
    with op.batch_alter_table('partner_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_applications_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_applications_domain'))
        batch_op.drop_index('ix_partner_applications_address')

    op.drop_table('partner_applications')
    op.drop_table('coverage_targets')
    op.drop_table('fit_criteria')
