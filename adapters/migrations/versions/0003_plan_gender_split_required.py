"""plan_view.gender_split_required: whether the plan requires the gender split for KPIs about
people (Plan.GenderSplitRequirementChanged). Every plan in a view made before had not.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 21:30:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if "gender_split_required" in {c["name"] for c in sa.inspect(bind).get_columns("plan_view")}:
        return  # a database from before the migrations, adopted with today's models
    # Every plan in the view had not required the split (the event did not exist).
    op.add_column('plan_view', sa.Column('gender_split_required', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    if bind.dialect.name != "sqlite":  # SQLite cannot drop a default without a table copy
        op.alter_column('plan_view', 'gender_split_required', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('plan_view', schema=None) as batch_op:
        batch_op.drop_column('gender_split_required')
