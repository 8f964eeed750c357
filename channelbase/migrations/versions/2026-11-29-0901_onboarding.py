"""Onboarding journeys: templates, their steps, and each partner's journey

New tables only: nothing existing is locked or rewritten.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journey_templates',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('partner_type', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_templates'))
    )
    with op.batch_alter_table('journey_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_templates_partner_type'), ['partner_type'], unique=False)

    op.create_table('journey_template_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['template_id'], ['journey_templates.id'], name=op.f('fk_journey_template_steps_template_id_journey_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_template_steps')),
    sa.UniqueConstraint('template_id', 'position', name=op.f('uq_journey_template_steps_template_id_position'))
    )
    with op.batch_alter_table('journey_template_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_template_steps_template_id'), ['template_id'], unique=False)

    op.create_table('partner_journeys',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_journeys_partner_id_partners')),
    sa.ForeignKeyConstraint(['template_id'], ['journey_templates.id'], name=op.f('fk_partner_journeys_template_id_journey_templates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_journeys')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_partner_journeys_partner_id'))
    )
    with op.batch_alter_table('partner_journeys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_journeys_completed_on'), ['completed_on'], unique=False)

    op.create_table('partner_journey_steps',
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=True),
    sa.Column('done_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_partner_journey_steps_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['journey_id'], ['partner_journeys.id'], name=op.f('fk_partner_journey_steps_journey_id_partner_journeys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_journey_steps')),
    sa.UniqueConstraint('journey_id', 'position', name=op.f('uq_partner_journey_steps_journey_id_position'))
    )
    with op.batch_alter_table('partner_journey_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_journey_steps_journey_id'), ['journey_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('partner_journey_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_journey_steps_journey_id'))

    op.drop_table('partner_journey_steps')
    with op.batch_alter_table('partner_journeys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_journeys_completed_on'))

    op.drop_table('partner_journeys')
    with op.batch_alter_table('journey_template_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_template_steps_template_id'))

    op.drop_table('journey_template_steps')
    with op.batch_alter_table('journey_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_templates_partner_type'))

    op.drop_table('journey_templates')
