"""The question each kept answer version answered: an edited question goes with its answer's version.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('answerversion', sa.Column('question', sa.Text(), nullable=True))
    # Versions kept before questions could be edited answered the question their message follows today.
    op.execute('UPDATE answerversion SET question = (SELECT asked.content FROM message AS answer '
               'JOIN message AS asked ON asked.id = answer.parent_id WHERE answer.id = answerversion.message_id)')


def downgrade() -> None:
    with op.batch_alter_table('answerversion') as batch:
        batch.drop_column('question')
