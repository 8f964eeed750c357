"""Deal registrations, opportunities, stages and programs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:05:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('programs',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('registration_days', sa.Integer(), nullable=False),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('max_extensions', sa.Integer(), nullable=False),
    sa.Column('decision_sla_hours', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs')),
    sa.UniqueConstraint('name', name=op.f('uq_programs_name'))
    )
    op.create_table('stages',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=4), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stages')),
    sa.UniqueConstraint('key', name=op.f('uq_stages_key'))
    )
    op.create_table('registrations',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('distributor_id', sa.Integer(), nullable=True),
    sa.Column('hidden_from_distributor', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('customer_key', sa.String(length=200), nullable=False),
    sa.Column('customer_domain', sa.String(length=255), nullable=True),
    sa.Column('customer_country', sa.String(length=2), nullable=False),
    sa.Column('customer_tax_id', sa.String(length=32), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('expected_close_date', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('submitted_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_due_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('extensions', sa.Integer(), nullable=False),
    sa.Column('extension_requested_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extension_request_reason', sa.Text(), nullable=False),
    sa.Column('conflict_count', sa.Integer(), nullable=False),
    sa.Column('conflict_score', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_registrations_account_id_accounts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_registrations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['distributor_id'], ['partners.id'], name=op.f('fk_registrations_distributor_id_partners')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_registrations_partner_id_partners')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_registrations_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_registrations_territory_id_territories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_customer_domain'), ['customer_domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_customer_key'), ['customer_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_customer_tax_id'), ['customer_tax_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_distributor_id'), ['distributor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_registrations_status_expires', ['status', 'expires_on'], unique=False)
        batch_op.create_index('ix_registrations_territory_status', ['territory_id', 'status', 'id'], unique=False)

    op.create_table('opportunities',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('distributor_id', sa.Integer(), nullable=True),
    sa.Column('hidden_from_distributor', sa.Boolean(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=4), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('next_step', sa.String(length=300), nullable=False),
    sa.Column('stage_changed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_opportunities_account_id_accounts')),
    sa.ForeignKeyConstraint(['distributor_id'], ['partners.id'], name=op.f('fk_opportunities_distributor_id_partners')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_opportunities_owner_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_opportunities_partner_id_partners')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_opportunities_registration_id_registrations')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_opportunities_stage_id_stages')),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_opportunities_territory_id_territories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_opportunities_registration_id'))
    )
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunities_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_distributor_id'), ['distributor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_opportunities_partner_outcome', ['partner_id', 'outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_stage_id'), ['stage_id'], unique=False)
        batch_op.create_index('ix_opportunities_territory_close', ['territory_id', 'outcome', 'close_date'], unique=False)
        batch_op.create_index('ix_opportunities_totals', ['outcome', 'currency', 'close_date', 'stage_id', 'territory_id', 'amount_minor'], unique=False)

    op.create_table('registration_products',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_registration_products_product_id_products')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_products_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_products')),
    sa.UniqueConstraint('registration_id', 'product_id', name=op.f('uq_registration_products_registration_id_product_id'))
    )
    op.create_table('opportunity_products',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_products_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_opportunity_products_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_products')),
    sa.UniqueConstraint('opportunity_id', 'product_id', name=op.f('uq_opportunity_products_opportunity_id_product_id'))
    )
    op.create_table('opportunity_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('from_stage_id', sa.Integer(), nullable=True),
    sa.Column('to_stage_id', sa.Integer(), nullable=False),
    sa.Column('at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_opportunity_stage_changes_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['stages.id'], name=op.f('fk_opportunity_stage_changes_from_stage_id_stages')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_stage_changes_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_stage_id'], ['stages.id'], name=op.f('fk_opportunity_stage_changes_to_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_stage_changes'))
    )
    with op.batch_alter_table('opportunity_stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_opportunity_stage_changes_opportunity', ['opportunity_id', 'at'], unique=False)

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('program_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_partners_program_id_programs'), 'programs', ['program_id'], ['id'])

    _seed_program_and_stages()


# The terms and stages every installation starts with; admins change them on the Programs and Stages pages.
DEFAULT_STAGES = [
    ("qualify", "Qualify", 10, 10, "open"),
    ("discover", "Discover", 20, 20, "open"),
    ("propose", "Propose", 30, 40, "open"),
    ("negotiate", "Negotiate", 40, 60, "open"),
    ("commit", "Commit", 50, 80, "open"),
    ("won", "Closed won", 60, 100, "won"),
    ("lost", "Closed lost", 70, 0, "lost"),
]


def _seed_program_and_stages() -> None:
    # Typed columns: offline mode (`--sql`, core.migration_review) renders the rows as literals.
    programs = sa.table("programs", sa.column("name", sa.String), sa.column("registration_days", sa.Integer),
                        sa.column("extension_days", sa.Integer), sa.column("max_extensions", sa.Integer),
                        sa.column("decision_sla_hours", sa.Integer), sa.column("is_default", sa.Boolean),
                        sa.column("version", sa.Integer))
    op.bulk_insert(programs, [dict(name="Standard", registration_days=90, extension_days=30, max_extensions=2,
                                   decision_sla_hours=48, is_default=True, version=1)])
    stages = sa.table("stages", sa.column("key", sa.String), sa.column("name", sa.String),
                      sa.column("position", sa.Integer), sa.column("probability", sa.Integer),
                      sa.column("outcome", sa.String), sa.column("active", sa.Boolean), sa.column("version", sa.Integer))
    op.bulk_insert(stages, [dict(key=key, name=name, position=position, probability=probability, outcome=outcome,
                                 active=True, version=1)
                            for key, name, position, probability, outcome in DEFAULT_STAGES])



def downgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_partners_program_id_programs'), type_='foreignkey')
        batch_op.drop_column('program_id')

    with op.batch_alter_table('opportunity_stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunity_stage_changes_opportunity')

    op.drop_table('opportunity_stage_changes')
    op.drop_table('opportunity_products')
    op.drop_table('registration_products')
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_totals')
        batch_op.drop_index('ix_opportunities_territory_close')
        batch_op.drop_index(batch_op.f('ix_opportunities_stage_id'))
        batch_op.drop_index('ix_opportunities_partner_outcome')
        batch_op.drop_index(batch_op.f('ix_opportunities_owner_id'))
        batch_op.drop_index(batch_op.f('ix_opportunities_distributor_id'))
        batch_op.drop_index(batch_op.f('ix_opportunities_account_id'))

    op.drop_table('opportunities')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_territory_status')
        batch_op.drop_index('ix_registrations_status_expires')
        batch_op.drop_index(batch_op.f('ix_registrations_partner_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_distributor_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_customer_tax_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_customer_key'))
        batch_op.drop_index(batch_op.f('ix_registrations_customer_domain'))
        batch_op.drop_index(batch_op.f('ix_registrations_account_id'))

    op.drop_table('registrations')
    op.drop_table('stages')
    op.drop_table('programs')
