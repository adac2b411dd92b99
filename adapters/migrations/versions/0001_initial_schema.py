"""The initial schema: the read models, hash chain, people and accounts as of issue 11.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-03 19:01:52.753617

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table and index the models of this revision name."""
    op.create_table('audit_log_view',
    sa.Column('position', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.String(length=32), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=True),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('org_id', sa.String(length=36), nullable=True),
    sa.Column('sector', sa.String(length=20), nullable=True),
    sa.Column('aggregate_type', sa.String(length=20), nullable=False),
    sa.Column('aggregate_id', sa.String(length=36), nullable=True),
    sa.Column('aggregate_version', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=True),
    sa.Column('aggregate_name', sa.String(length=200), nullable=True),
    sa.Column('subject_name', sa.String(length=200), nullable=True),
    sa.Column('org_name', sa.String(length=200), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('position')
    )
    with op.batch_alter_table('audit_log_view', schema=None) as batch_op:
        batch_op.create_index('ix_audit_aggregate', ['aggregate_id', 'position'])
        batch_op.create_index('ix_audit_plan_aggregate_id', ['plan_id', 'aggregate_id', 'position'])
        batch_op.create_index('ix_audit_plan_event_type', ['plan_id', 'event_type', 'position'])
        batch_op.create_index('ix_audit_plan_org_id', ['plan_id', 'org_id', 'position'])
        batch_op.create_index('ix_audit_plan_person_id', ['plan_id', 'person_id', 'position'])
        batch_op.create_index('ix_audit_plan_position', ['plan_id', 'position'])
        batch_op.create_index('ix_audit_plan_recorded_at', ['plan_id', 'recorded_at'])
        batch_op.create_index('ix_audit_plan_sector', ['plan_id', 'sector', 'position'])
        batch_op.create_index('ix_audit_plan_subject_id', ['plan_id', 'subject_id', 'position'])

    op.create_table('audit_name_view',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('plan_id', 'subject_id')
    )
    op.create_table('budget_amount_view',
    sa.Column('budget_id', sa.String(length=36), nullable=False),
    sa.Column('line_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.String(length=36), nullable=True),
    sa.Column('set_for', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('budget_id', 'line_id', 'year')
    )
    op.create_table('budget_line_view',
    sa.Column('budget_id', sa.String(length=36), nullable=False),
    sa.Column('line_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('label_version', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('category_version', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=True),
    sa.Column('service_version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('kind_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('budget_id', 'line_id')
    )
    op.create_table('budget_share_view',
    sa.Column('budget_id', sa.String(length=36), nullable=False),
    sa.Column('line_id', sa.String(length=36), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=False),
    sa.Column('share', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.String(length=36), nullable=True),
    sa.Column('set_for', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('budget_id', 'line_id', 'actor_id')
    )
    op.create_table('budget_view',
    sa.Column('budget_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('years', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('revision_of', sa.String(length=36), nullable=True),
    sa.Column('adopted_version', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.String(length=36), nullable=True),
    sa.Column('superseded_by', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('budget_id')
    )
    with op.batch_alter_table('budget_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_view_plan_id'), ['plan_id'])

    op.create_table('commitment_view',
    sa.Column('commitment_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=True),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('value_ore', sa.BigInteger(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=True),
    sa.Column('budget_id', sa.String(length=36), nullable=True),
    sa.Column('line_id', sa.String(length=36), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('delivered', sa.BigInteger(), nullable=False),
    sa.Column('over_delivered', sa.Boolean(), nullable=False),
    sa.Column('deliveries', sa.JSON(), nullable=False),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('pledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('commitment_id')
    )
    with op.batch_alter_table('commitment_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_view_actor_id'), ['actor_id'])
        batch_op.create_index(batch_op.f('ix_commitment_view_plan_id'), ['plan_id'])

    op.create_table('decision_view',
    sa.Column('decision_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('budget_id', sa.String(length=36), nullable=True),
    sa.Column('budget_version', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('decision_id')
    )
    with op.batch_alter_table('decision_view', schema=None) as batch_op:
        batch_op.create_index('ix_decision_plan', ['plan_id', 'decided_on', 'position'])

    op.create_table('plan_actor_view',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('left', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'actor_id')
    )
    op.create_table('plan_member_view',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('plan_id', 'person_id')
    )
    with op.batch_alter_table('plan_member_view', schema=None) as batch_op:
        batch_op.create_index('ix_plan_member_person', ['person_id'])

    op.create_table('plan_view',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('plan_id')
    )
    op.create_table('service_view',
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('providers', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('risks', sa.JSON(), nullable=False),
    sa.Column('kpis', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('service_id')
    )
    with op.batch_alter_table('service_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_view_plan_id'), ['plan_id'])

    op.create_table('view_tracking',
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('application_name', sa.String(length=80), nullable=False),
    sa.Column('notification_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('projection', 'application_name')
    )
    op.create_table('audit_chain',
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_digest', sa.String(length=64), nullable=False),
    sa.Column('link', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('position')
    )
    op.create_table('audit_checkpoint',
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('link', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('position')
    )
    op.create_table('audit_verification',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('up_to_position', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('audit_watch',
    sa.Column('name', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('problem_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_person_id'), ['person_id'])

    op.create_table('credentials',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('first_run',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('invitations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=True),
    sa.Column('invited_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by', sa.String(length=36), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_email'), ['email'])
        batch_op.create_index(batch_op.f('ix_invitations_plan_id'), ['plan_id'])

    op.create_table('password_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_links_person_id'), ['person_id'])

    op.create_table('people',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('web_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_person_id'), ['person_id'])




def downgrade() -> None:
    """Drop them all (the event log, kept by eventsourcing, stays)."""

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_person_id'))

    op.drop_table('web_sessions')
    op.drop_table('people')
    with op.batch_alter_table('password_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_links_person_id'))

    op.drop_table('password_links')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_plan_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_email'))

    op.drop_table('invitations')
    op.drop_table('first_run')
    op.drop_table('credentials')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_person_id'))

    op.drop_table('api_tokens')
    op.drop_table('audit_watch')
    op.drop_table('audit_verification')
    op.drop_table('audit_checkpoint')
    op.drop_table('audit_chain')
    op.drop_table('view_tracking')
    with op.batch_alter_table('service_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_view_plan_id'))

    op.drop_table('service_view')
    op.drop_table('plan_view')
    with op.batch_alter_table('plan_member_view', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_member_person')

    op.drop_table('plan_member_view')
    op.drop_table('plan_actor_view')
    with op.batch_alter_table('decision_view', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_plan')

    op.drop_table('decision_view')
    with op.batch_alter_table('commitment_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_view_plan_id'))
        batch_op.drop_index(batch_op.f('ix_commitment_view_actor_id'))

    op.drop_table('commitment_view')
    with op.batch_alter_table('budget_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_view_plan_id'))

    op.drop_table('budget_view')
    op.drop_table('budget_share_view')
    op.drop_table('budget_line_view')
    op.drop_table('budget_amount_view')
    op.drop_table('audit_name_view')
    with op.batch_alter_table('audit_log_view', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_plan_subject_id')
        batch_op.drop_index('ix_audit_plan_sector')
        batch_op.drop_index('ix_audit_plan_recorded_at')
        batch_op.drop_index('ix_audit_plan_position')
        batch_op.drop_index('ix_audit_plan_person_id')
        batch_op.drop_index('ix_audit_plan_org_id')
        batch_op.drop_index('ix_audit_plan_event_type')
        batch_op.drop_index('ix_audit_plan_aggregate_id')
        batch_op.drop_index('ix_audit_aggregate')

    op.drop_table('audit_log_view')

