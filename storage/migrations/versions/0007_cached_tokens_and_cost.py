"""An answer's cached input tokens and its estimated cost, for every version of it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('message', 'answerversion')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('cached_tokens', sa.Integer(), nullable=True))
        op.add_column(table, sa.Column('cost_usd', sa.Float(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('cost_usd')
            batch.drop_column('cached_tokens')
