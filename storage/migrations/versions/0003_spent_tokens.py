"""Tokens of deleted conversations, so that the daily token budget still counts them after a restart.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'spenttokens',
        sa.Column('id', sa.String(), nullable=False),
        sa.Column('user_id', sa.String(), nullable=True),
        sa.Column('tokens', sa.Integer(), nullable=False),
        sa.Column('spent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spenttokens')),
    )
    op.create_index(op.f('ix_spenttokens_user_id'), 'spenttokens', ['user_id'])
    op.create_index(op.f('ix_spenttokens_spent_at'), 'spenttokens', ['spent_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_spenttokens_spent_at'), table_name='spenttokens')
    op.drop_index(op.f('ix_spenttokens_user_id'), table_name='spenttokens')
    op.drop_table('spenttokens')
