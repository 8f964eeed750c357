"""Events and webinars: partners taking part, attendees and leads

New tables only: nothing existing is locked or rewritten.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('cost_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_events_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_events_territory_id_territories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_ends_on', ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_events_territory_starts', ['territory_id', 'starts_on'], unique=False)

    op.create_table('event_partners',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_partners_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_event_partners_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_partners')),
    sa.UniqueConstraint('event_id', 'partner_id', name=op.f('uq_event_partners_event_id_partner_id'))
    )
    with op.batch_alter_table('event_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_partners_partner_id'), ['partner_id'], unique=False)

    op.create_table('event_attendees',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_event_attendees_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_attendees_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_event_attendees_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_attendees')),
    sa.UniqueConstraint('event_id', 'email', name=op.f('uq_event_attendees_event_id_email'))
    )
    with op.batch_alter_table('event_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_attendees_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendees_partner_id'), ['partner_id'], unique=False)

    op.create_table('event_leads',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('account_source', sa.String(length=8), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_event_leads_account_id_accounts')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_leads_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_event_leads_partner_id_partners')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_event_leads_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_leads'))
    )
    with op.batch_alter_table('event_leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_leads_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_event_leads_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_leads_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_leads_registration_id'), ['registration_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_leads_registration_id'))
        batch_op.drop_index(batch_op.f('ix_event_leads_partner_id'))
        batch_op.drop_index('ix_event_leads_event_status')
        batch_op.drop_index(batch_op.f('ix_event_leads_account_id'))

    op.drop_table('event_leads')
    with op.batch_alter_table('event_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_attendees_partner_id'))
        batch_op.drop_index(batch_op.f('ix_event_attendees_email'))

    op.drop_table('event_attendees')
    with op.batch_alter_table('event_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_partners_partner_id'))

    op.drop_table('event_partners')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_territory_starts')
        batch_op.drop_index(batch_op.f('ix_events_owner_id'))
        batch_op.drop_index('ix_events_ends_on')

    op.drop_table('events')
