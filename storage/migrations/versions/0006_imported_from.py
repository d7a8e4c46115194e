"""Where an imported conversation came from (its app and id there), so importing a newer export skips it even when
it was renamed since.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('conversation', sa.Column('imported_from', sa.String(), nullable=True))
    op.create_index('ix_conversation_imported_from', 'conversation', ['imported_from'])


def downgrade() -> None:
    op.drop_index('ix_conversation_imported_from', table_name='conversation')
    with op.batch_alter_table('conversation') as batch:
        batch.drop_column('imported_from')
