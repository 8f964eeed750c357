"""Enablement: courses, training sessions, enrolments and certifications

New tables only: nothing existing is locked or rewritten.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 05:58:53.654539
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('courses',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('duration_hours', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('certification_months', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('name', name=op.f('uq_courses_name'))
    )
    op.create_table('training_sessions',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('trainer', sa.String(length=200), nullable=False),
    sa.Column('cancelled_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_sessions_course_id_courses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_training_sessions_starts_at', ['starts_at'], unique=False)

    op.create_table('enrolments',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_enrolments_contact_id_contacts')),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['users.id'], name=op.f('fk_enrolments_enrolled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_enrolments_partner_id_partners')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_enrolments_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('session_id', 'contact_id', name=op.f('uq_enrolments_session_id_contact_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_session_id'), ['session_id'], unique=False)

    op.create_table('certifications',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('certified_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('reminder_task_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_certifications_contact_id_contacts')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certifications_course_id_courses')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_certifications_enrolment_id_enrolments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_certifications_partner_id_partners')),
    sa.ForeignKeyConstraint(['reminder_task_id'], ['tasks.id'], name=op.f('fk_certifications_reminder_task_id_tasks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_certifications_expires_on', ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_partner_id'), ['partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_partner_id'))
        batch_op.drop_index('ix_certifications_expires_on')
        batch_op.drop_index(batch_op.f('ix_certifications_contact_id'))

    op.drop_table('certifications')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_session_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_partner_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_contact_id'))

    op.drop_table('enrolments')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_starts_at')
        batch_op.drop_index(batch_op.f('ix_training_sessions_course_id'))

    op.drop_table('training_sessions')
    op.drop_table('courses')
