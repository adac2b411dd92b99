"""Read-model tables. Only projections write them; every one can be dropped and rebuilt."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
Id = String(36)


def _id(name: str, primary_key: bool = False, index: bool = False) -> Column:
    return Column(name, Id, primary_key=primary_key, index=index, nullable=not primary_key)


view_tracking = Table(
    "view_tracking", metadata,
    Column("projection", String(80), primary_key=True),
    Column("application_name", String(80), primary_key=True),
    Column("notification_id", BigInteger, nullable=False),
)

# ---- plans -------------------------------------------------------------------------------

plan = Table(
    "plan_view", metadata,
    _id("plan_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("place", String(200), nullable=False),
    Column("start_year", Integer, nullable=False),
    Column("end_year", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("gender_split_required", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

plan_actor = Table(
    "plan_actor_view", metadata,
    _id("plan_id", primary_key=True),
    _id("actor_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sector", String(20), nullable=False),
    Column("position", Integer, nullable=False),
    Column("left", Boolean, nullable=False),  # it has left the plan; its history stays
)

plan_member = Table(
    "plan_member_view", metadata,
    _id("plan_id", primary_key=True),
    _id("person_id", primary_key=True),
    Column("role", String(20), nullable=False),
    _id("org_id"),
    Index("ix_plan_member_person", "person_id"),
)

# ---- budget sheet ------------------------------------------------------------------------

budget = Table(
    "budget_view", metadata,
    _id("budget_id", primary_key=True),
    _id("plan_id", index=True),
    Column("title", String(200), nullable=False),
    Column("years", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    _id("revision_of"),
    Column("adopted_version", Integer),
    _id("decision_id"),  # the decision that adopted it
    _id("superseded_by"),  # the revision that superseded it
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

budget_line = Table(
    "budget_line_view", metadata,
    _id("budget_id", primary_key=True),
    _id("line_id", primary_key=True),
    Column("position", Integer, nullable=False),
    Column("label", String(200), nullable=False),
    Column("label_version", Integer, nullable=False),
    Column("category", String(80), nullable=False),
    Column("category_version", Integer, nullable=False),
    _id("service_id"),
    Column("service_version", Integer, nullable=False),
    Column("kind", String(10), nullable=False),  # cost | income
    Column("kind_version", Integer, nullable=False),
)

budget_amount = Table(
    "budget_amount_view", metadata,
    _id("budget_id", primary_key=True),
    _id("line_id", primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("amount", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    _id("set_by"),
    _id("set_for"),
)

budget_share = Table(
    "budget_share_view", metadata,
    _id("budget_id", primary_key=True),
    _id("line_id", primary_key=True),
    _id("actor_id", primary_key=True),
    Column("share", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    _id("set_by"),
    _id("set_for"),
)

# ---- services and commitments ---------------------------------------------------------------

service = Table(
    "service_view", metadata,
    _id("service_id", primary_key=True),
    _id("plan_id", index=True),
    Column("name", String(200), nullable=False),
    Column("place", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("providers", JSON, nullable=False),
    Column("needs", JSON, nullable=False),
    Column("risks", JSON, nullable=False),
    Column("kpis", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

commitment = Table(
    "commitment_view", metadata,
    _id("commitment_id", primary_key=True),
    _id("plan_id", index=True),
    _id("actor_id", index=True),
    Column("kind", String(20), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("value_ore", BigInteger),
    Column("description", Text, nullable=False),
    _id("service_id"),
    _id("budget_id"),
    _id("line_id"),
    Column("due", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("delivered", BigInteger, nullable=False),
    Column("over_delivered", Boolean, nullable=False),
    Column("deliveries", JSON, nullable=False),
    Column("withdrawn_reason", Text),
    Column("pledged_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# ---- audit log -----------------------------------------------------------------------------

audit_log = Table(
    "audit_log_view", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    # ISO 8601 in UTC with microseconds (fixed width, so text order is time order): cheap to
    # write a row per event and the same on SQLite and PostgreSQL.
    Column("recorded_at", String(32), nullable=False),
    _id("plan_id"),
    _id("person_id"),
    _id("org_id"),
    Column("sector", String(20)),
    Column("aggregate_type", String(20), nullable=False),
    _id("aggregate_id"),
    Column("aggregate_version", Integer, nullable=False),
    Column("event_type", String(60), nullable=False),
    _id("subject_id"),
    Column("aggregate_name", String(200)),
    Column("subject_name", String(200)),
    Column("org_name", String(200)),
    # The event's own fields (what changed, before → after) as JSON text: written as is,
    # so a rebuild stays fast; readers parse it for the few rows they show.
    Column("details", Text, nullable=False),
    Index("ix_audit_plan_position", "plan_id", "position"),
    # The trail's filters: each narrows one plan by one column and pages newest first along
    # position, so a filtered page reads ~50 index entries however long the log is.
    *(Index(f"ix_audit_plan_{column}", "plan_id", column, "position")
      for column in ("aggregate_id", "subject_id", "person_id", "org_id", "sector", "event_type")),
    Index("ix_audit_plan_recorded_at", "plan_id", "recorded_at"),  # where a date range starts/ends
)

audit_name = Table(
    "audit_name_view", metadata,
    _id("plan_id", primary_key=True),
    _id("subject_id", primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("sector", String(20)),
)
