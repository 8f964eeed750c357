"""Import claims: which process is checking or importing a run

New tables only: nothing existing is locked or rewritten.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import channelbase.core.base


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_claims',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', channelbase.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_claims_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_import_claims'))
    )


def downgrade() -> None:
    op.drop_table('import_claims')
