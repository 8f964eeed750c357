"""Distributor POS (sell-out) files: mappings per distributor, files, their lines, and review aliases

New tables only (no existing table is altered). `uq_sellout_files_imported_month` is a partial unique index:
at most one imported file per distributor and month, so two corrected files committed at once cannot both
become the month's sell-out.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 19:00:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

IMPORTED = sa.text("status = 'imported'")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', channelbase.core.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('sellout_mappings',
    sa.Column('distributor_id', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    *_timestamps(),
    sa.ForeignKeyConstraint(['distributor_id'], ['partners.id'], name=op.f('fk_sellout_mappings_distributor_id_partners')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_sellout_mappings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellout_mappings')),
    sa.UniqueConstraint('distributor_id', name=op.f('uq_sellout_mappings_distributor_id'))
    )
    op.create_table('sellout_files',
    sa.Column('distributor_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('matched_lines', sa.Integer(), nullable=False),
    sa.Column('review_lines', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('imported_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    *_timestamps(),
    sa.ForeignKeyConstraint(['distributor_id'], ['partners.id'], name=op.f('fk_sellout_files_distributor_id_partners')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_sellout_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellout_files'))
    )
    with op.batch_alter_table('sellout_files', schema=None) as batch_op:
        batch_op.create_index('ix_sellout_files_distributor_month', ['distributor_id', 'month'], unique=False)
        batch_op.create_index('uq_sellout_files_imported_month', ['distributor_id', 'month'], unique=True,
                              sqlite_where=IMPORTED, postgresql_where=IMPORTED)

    op.create_table('sellout_file_contents',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['sellout_files.id'], name=op.f('fk_sellout_file_contents_file_id_sellout_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', name=op.f('pk_sellout_file_contents'))
    )
    _create_lines()
    op.create_table('sellout_aliases',
    sa.Column('distributor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    *_timestamps(),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sellout_aliases_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['distributor_id'], ['partners.id'], name=op.f('fk_sellout_aliases_distributor_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellout_aliases')),
    sa.UniqueConstraint('distributor_id', 'kind', 'key', name=op.f('uq_sellout_aliases_distributor_id_kind_key'))
    )


def _create_lines() -> None:
    op.create_table('sellout_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('distributor_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('reseller_text', sa.String(length=200), nullable=False),
    sa.Column('reseller_tax_id', sa.String(length=32), nullable=False),
    sa.Column('reseller_domain', sa.String(length=255), nullable=False),
    sa.Column('customer_text', sa.String(length=200), nullable=False),
    sa.Column('customer_tax_id', sa.String(length=32), nullable=False),
    sa.Column('customer_domain', sa.String(length=255), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('product_text', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('reseller_key', sa.String(length=200), nullable=False),
    sa.Column('customer_key', sa.String(length=200), nullable=False),
    sa.Column('product_key', sa.String(length=200), nullable=False),
    sa.Column('reseller_partner_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('reseller_reason', sa.String(length=40), nullable=False),
    sa.Column('customer_reason', sa.String(length=40), nullable=False),
    sa.Column('product_reason', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_sellout_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['distributor_id'], ['partners.id'], name=op.f('fk_sellout_lines_distributor_id_partners')),
    sa.ForeignKeyConstraint(['file_id'], ['sellout_files.id'], name=op.f('fk_sellout_lines_file_id_sellout_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sellout_lines_product_id_products')),
    sa.ForeignKeyConstraint(['reseller_partner_id'], ['partners.id'], name=op.f('fk_sellout_lines_reseller_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellout_lines'))
    )
    with op.batch_alter_table('sellout_lines', schema=None) as batch_op:
        batch_op.create_index('ix_sellout_lines_distributor_date', ['distributor_id', 'invoice_date'], unique=False)
        batch_op.create_index('ix_sellout_lines_file_state', ['file_id', 'state'], unique=False)
        batch_op.create_index('ix_sellout_lines_reseller_date', ['reseller_partner_id', 'invoice_date'], unique=False)


def downgrade() -> None:
    op.drop_table('sellout_aliases')
    with op.batch_alter_table('sellout_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_sellout_lines_reseller_date')
        batch_op.drop_index('ix_sellout_lines_file_state')
        batch_op.drop_index('ix_sellout_lines_distributor_date')
    op.drop_table('sellout_lines')
    op.drop_table('sellout_file_contents')
    with op.batch_alter_table('sellout_files', schema=None) as batch_op:
        batch_op.drop_index('uq_sellout_files_imported_month', sqlite_where=IMPORTED, postgresql_where=IMPORTED)
        batch_op.drop_index('ix_sellout_files_distributor_month')
    op.drop_table('sellout_files')
    op.drop_table('sellout_mappings')
