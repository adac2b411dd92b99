"""Drop ix_audit_aggregate: every audit query names its plan, and (plan_id, aggregate_id,
position) serves an aggregate's trail as well, so the index only cost rebuild time and space.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:00:00

"""
from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # IF EXISTS: a database from before the migrations is adopted with today's models
    # (adapters/schema.py `_adopt`), which no longer have the index, then stamped 0001.
    op.execute("DROP INDEX IF EXISTS ix_audit_aggregate")


def downgrade() -> None:
    with op.batch_alter_table('audit_log_view', schema=None) as batch_op:
        batch_op.create_index('ix_audit_aggregate', ['aggregate_id', 'position'])
