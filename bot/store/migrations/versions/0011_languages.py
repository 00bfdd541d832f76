"""languages: each conversation's language and each buyer's, remembered for the next conversation and for news

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    op.create_table('conversation_languages',
    sa.Column('conversation_id', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('asked', sa.Boolean(), nullable=False),
    sa.Column('candidate', sa.String(length=8), nullable=True),
    sa.Column('unsupported_noted', sa.String(length=8), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversation_languages'))
    )


def downgrade() -> None:
    op.drop_table('conversation_languages')
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.drop_column('language')
