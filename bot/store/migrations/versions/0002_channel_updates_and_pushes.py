"""channel updates and pushes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_updates',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'update_id', name=op.f('pk_channel_updates'))
    )
    with op.batch_alter_table('channel_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_updates_received_at'), ['received_at'], unique=False)

    op.create_table('push_cursors',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_push_cursors'))
    )
    op.create_table('push_deliveries',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['dispute_events.id'], name=op.f('fk_push_deliveries_event_id_dispute_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'channel', 'external_id', name=op.f('pk_push_deliveries'))
    )
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_push_deliveries_status', ['status', 'channel'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('push_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_push_deliveries_status')

    op.drop_table('push_deliveries')
    op.drop_table('push_cursors')
    with op.batch_alter_table('channel_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_updates_received_at'))

    op.drop_table('channel_updates')
