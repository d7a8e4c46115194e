"""Answer versions: Regenerate and Retry keep the answer they replace.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default: every existing answer is version 1 of 1, on SQLite without a table rebuild.
    op.add_column('message', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('message', sa.Column('versions', sa.Integer(), server_default='1', nullable=False))
    op.create_table(
        'answerversion',
        sa.Column('id', sa.String(), nullable=False),
        sa.Column('message_id', sa.String(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('reasoning', sa.Text(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('provider', sa.String(), nullable=False),
        sa.Column('model', sa.String(), nullable=False),
        sa.Column('stop_reason', sa.String(), nullable=True),
        sa.Column('input_tokens', sa.Integer(), nullable=True),
        sa.Column('output_tokens', sa.Integer(), nullable=True),
        sa.Column('reasoning_tokens', sa.Integer(), nullable=True),
        sa.Column('spent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'],
                                name=op.f('fk_answerversion_message_id_message'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answerversion')),
    )
    op.create_index('ix_answerversion_message_id_number', 'answerversion', ['message_id', 'number'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_answerversion_message_id_number', table_name='answerversion')
    op.drop_table('answerversion')
    with op.batch_alter_table('message') as batch:
        batch.drop_column('versions')
        batch.drop_column('version')
