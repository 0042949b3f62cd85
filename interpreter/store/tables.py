"""The schema, as SQLAlchemy Core tables shared by SQLite and PostgreSQL.

The migrations in ``migrations/versions`` create exactly this; a test compares
the two so they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from interpreter.store.types import Document, Instant, Serial

metadata = MetaData()

definitions = Table(
    "definitions",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("workflow_id", String(200), nullable=False),
    Column("source_file", Text, nullable=False),
    Column("source_text", Text, nullable=False),
    Column("files", Document, nullable=False),
    Column("created_at", Instant, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(200), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("data", Document),
    Column("ts", Instant, nullable=False),
    Column("received_at", Instant, nullable=False),
    Index("events_name_received", "name", "received_at"),
)

# wake_at is NULL for a run with nothing to do until an input arrives, and for
# every finished run, so the partial index holds only runs that will need work.
_WAKING = text("wake_at IS NOT NULL")
runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("workflow_id", String(200), nullable=False),
    Column("workflow_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("state", Document, nullable=False),
    Column("idempotency_key", Text),
    Column("trigger_event_id", String(200)),
    Column("created_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Column("wake_at", Instant),
    Column("lease_owner", String(200)),
    Column("lease_until", Instant),
    # The id of the step the run is at (migration 0011): set by every save of
    # a run that is at a step; a finished run keeps the step it ended at.
    Column("step_id", String(200)),
    UniqueConstraint("workflow_id", "idempotency_key", name="runs_idempotency"),
    Index("runs_due", "wake_at", sqlite_where=_WAKING, postgresql_where=_WAKING),
    Index("runs_workflow_status", "workflow_id", "status", "created_at"),
    # The dashboard's run lists, newest first, paged by (created_at, id).
    Index("runs_created", "created_at", "id"),
    Index("runs_status_created", "status", "created_at", "id"),
    Index("runs_workflow_created", "workflow_id", "created_at", "id"),
    Index("runs_trigger_event", "trigger_event_id"),
    # The funnel's "here now": a campaign's runs in a status, by the step they are at.
    Index("runs_workflow_status_step", "workflow_id", "status", "step_id", "created_at"),
)

steps = Table(
    "steps",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("step_id", String(200), nullable=False),
    Column("visit", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("input", Document),
    Column("output", Document),
    Column("error", Document),
    Column("started_at", Instant, nullable=False),
    Column("finished_at", Instant, nullable=False),
    UniqueConstraint("run_id", "step_id", "visit", "attempt", name="steps_attempt"),
)

waits = Table(
    "waits",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("step_id", String(200)),
    Column("idx", Integer, nullable=False),
    Column("event_name", String(200), nullable=False),
    Column("match_path", Text),
    Column("match_value", Text),
    Column("timeout_at", Instant),
    Column("since", Instant, nullable=False),
    Index("waits_match", "event_name", "match_path", "match_value"),
    Index("waits_run", "run_id"),
    # Goal subscriptions that outlive their run, swept once their window closed.
    Index(
        "waits_goal_until",
        "timeout_at",
        sqlite_where=text("purpose = 'goal'"),
        postgresql_where=text("purpose = 'goal'"),
    ),
)

inbox = Table(
    "inbox",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", Document),
    Column("created_at", Instant, nullable=False),
    Index("inbox_run", "run_id", "seq"),
)

# Addresses (lower-cased) that campaign email is never sent to: unsubscribed,
# bounced for good, complained, or added by an operator. ``category`` is empty
# for the whole list, or the topic (message category) the recipient left.
suppressions = Table(
    "suppressions",
    metadata,
    Column("address", String(320), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("detail", Text),
    Column("created_at", Instant, nullable=False),
    Column("category", String(64), nullable=False, server_default=""),
    PrimaryKeyConstraint("address", "category", name="suppressions_topic_pkey"),
)

# Filled by database triggers (migrations 0003 and 0007) for the dashboard: every string
# leaf of an event's data, lower-cased, and the runs a wait step resumed with an event.
event_terms = Table(
    "event_terms",
    metadata,
    Column("term", String(200), nullable=False),
    Column("event_seq", Serial, nullable=False),
    PrimaryKeyConstraint("term", "event_seq"),
)

event_resumes = Table(
    "event_resumes",
    metadata,
    Column("event_id", String(200), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("step_id", String(200), nullable=False),
    PrimaryKeyConstraint("event_id", "run_id", "step_id"),
)

cron_ticks = Table(
    "cron_ticks",
    metadata,
    Column("workflow_id", String(200), nullable=False),
    Column("tick_at", Instant, nullable=False),
    PrimaryKeyConstraint("workflow_id", "tick_at"),
)

# One row per for_each visit: the durable cursor of its fan-out.
fan_outs = Table(
    "fan_outs",
    metadata,
    Column("run_id", String(64), nullable=False),
    Column("step_id", String(200), nullable=False),
    Column("visit", Integer, nullable=False),
    Column("done", Integer, nullable=False),
    Column("total", Integer, nullable=True),
    Column("updated_at", Instant, nullable=False),
    PrimaryKeyConstraint("run_id", "step_id", "visit"),
)

# Throttle and send-rate queues (migration 0005): the start time reserved for
# each attempt (``holder``) in each queue. Rows older than their period are
# pruned as new ones are reserved, so a queue holds about its backlog.
throttle_turns = Table(
    "throttle_turns",
    metadata,
    Column("queue", String(400), nullable=False),
    Column("holder", String(400), nullable=False),
    Column("start_at", Instant, nullable=False),
    Column("started", Boolean, nullable=False),  # False: a turn ahead, not yet begun
    PrimaryKeyConstraint("queue", "holder"),
    Index("throttle_turns_start", "queue", "start_at"),
)

# Debounced trigger events, one burst per (campaign, key) (key "" when the
# debounce has none): a worker deletes a due burst and starts its run in one
# transaction, so a burst fires once (migration 0006).
bursts = Table(
    "bursts",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("workflow_id", String(200), nullable=False),
    Column("burst_key", Text, nullable=False),
    Column("first_at", Instant, nullable=False),
    Column("last_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("timeout_at", Instant),
    Column("event_id", String(200), nullable=False),
    Column("event", Document, nullable=False),
    Column("events", Integer, nullable=False),
    UniqueConstraint("workflow_id", "burst_key", name="bursts_key"),
    Index("bursts_due", "due_at"),
)

# A run's conversion (migration 0008), at most one per run; the dashboard
# counts them by campaign and run creation time, as it counts runs.
conversions = Table(
    "conversions",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("workflow_id", String(200), nullable=False),
    Column("run_created_at", Instant, nullable=False),
    Column("converted_at", Instant, nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("last_email_step", String(200)),
    Column("paths", Document, nullable=False),
    Column("after_finish", Boolean, nullable=False),
    Index("conversions_workflow_created", "workflow_id", "run_created_at"),
)


def _campaign_figures(name: str, period: str) -> Table:
    """A table of the dashboard's figures per campaign and ``period`` (a column
    of run-creation instants truncated to it): the hourly table and its daily
    roll-up have the same shape."""
    return Table(
        name,
        metadata,
        Column("workflow_id", String(200), nullable=False),
        Column(period, Instant, nullable=False),
        Column("metric", String(16), nullable=False),
        Column("step_id", String(200), nullable=False),
        Column("path", String(200), nullable=False),
        Column("n", BigInteger, nullable=False),
        PrimaryKeyConstraint("workflow_id", period, "metric", "step_id", "path"),
    )


# Per campaign and hour of run creation, the dashboard's figures, kept by
# triggers (migration 0008; the rules are there): metric is reached, path,
# won, converted, sent, opened or clicked; step_id and path are '' when the
# metric has none.
campaign_hours = _campaign_figures("campaign_hours", "hour")

# The same figures per campaign and UTC day (migration 0012), kept by
# triggers on campaign_hours: a long period sums days, its edges hours.
campaign_days = _campaign_figures("campaign_days", "day")

# The emails sent (an ``email.send`` row that is ok, has an id and was not
# skipped), by their id lower-cased: how an open or a click finds its step.
email_sends = Table(
    "email_sends",
    metadata,
    Column("email_id", String(200), nullable=False),
    Column("step_seq", Serial, nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("step_id", String(200), nullable=False),
    PrimaryKeyConstraint("email_id", "step_seq"),
)

# Frequency caps (migration 0009): the emails sent to each address in each
# capped category, one row per recipient of a send. ``holder`` is the send's
# idempotency key, so a retry or a takeover finds its own row and is not
# counted twice; a send that fails for good has its rows deleted.
sends = Table(
    "sends",
    metadata,
    Column("holder", String(400), nullable=False),
    Column("address", String(320), nullable=False),
    Column("category", String(100), nullable=False),
    Column("sent_at", Instant, nullable=False),
    PrimaryKeyConstraint("holder", "address"),
    Index("sends_address_category", "address", "category", "sent_at"),
)
