"""web sessions remember when they were last used (dispute news goes to the buyer's recent web sessions), outbox
events remember their last replay, idempotency keys carry their claim and the time their change was committed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))
    # Sessions from before count as last used when they were made.
    op.execute("UPDATE web_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_web_sessions_buyer_seen', ['buyer_id', 'last_seen_at'], unique=False)
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replayed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('committed_at', sa.DateTime(), nullable=True))
    # Keys answered before this revision count as committed when they were made.
    op.execute("UPDATE idempotency_keys SET claimed_at = created_at, "
               "committed_at = CASE WHEN status_code IS NULL THEN NULL ELSE created_at END")


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('committed_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claim_id')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_column('replayed_at')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_web_sessions_buyer_seen')
        batch_op.drop_column('last_seen_at')
