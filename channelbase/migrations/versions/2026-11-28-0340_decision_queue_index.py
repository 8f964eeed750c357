"""Index for My day's decision queue

My day lists the oldest submitted registrations of the manager's territories. Through
ix_registrations_territory_status SQLite gathered every submitted one and sorted them (4.7 ms for the
500-partner manager of the large demo); (status, submitted_at, territory_id) walks the oldest first and
stops after a page (0.1 ms). Review note: plain CREATE INDEX locks writes to `registrations` while it builds
(well under a second at 50,000 registrations).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 03:40:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_status_submitted', ['status', 'submitted_at', 'territory_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_status_submitted')
