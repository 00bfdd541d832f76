"""dispute drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dispute_drafts',
    sa.Column('buyer_id', sa.String(length=64), nullable=False),
    sa.Column('order_number', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_dispute_drafts_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('buyer_id', 'order_number', name=op.f('pk_dispute_drafts'))
    )


def downgrade() -> None:
    op.drop_table('dispute_drafts')
