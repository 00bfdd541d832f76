"""offered buttons

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offered_buttons',
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('payload_key', sa.String(length=24), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id', 'payload_key', name=op.f('pk_offered_buttons'))
    )
    with op.batch_alter_table('offered_buttons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offered_buttons_offered_at'), ['offered_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('offered_buttons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offered_buttons_offered_at'))

    op.drop_table('offered_buttons')
