"""The values of the conversions concern (``store/sql/conversions.py``): a
conversion as the engine records it, as the store gives it back, and the
figures the dashboard shows per campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The events that say an email was opened or clicked: flow's own tracking
# records both names, a Resend webhook only the second (with Resend's id).
OPENED = ("email.opened", "resend/email.opened")
CLICKED = ("email.clicked", "resend/email.clicked")
# ... unsubscribed from (flow's unsubscribe link) or bounced (a provider's webhook).
UNSUBSCRIBED = ("email.unsubscribed",)
BOUNCED = ("email.bounced", "resend/email.bounced")


@dataclass(frozen=True, slots=True)
class Conversion:
    """A run reached its campaign's goal: when, with which event, the last
    email step that sent before it, and the path taken at each split step."""

    run_id: str
    event_id: str
    converted_at: datetime
    last_email_step: str | None
    paths: dict[str, str]
    after_finish: bool  # the run had finished (inside its attribution window)


@dataclass(frozen=True, slots=True)
class StoredConversion(Conversion):
    """A recorded conversion with its run's campaign and creation time, by
    which the dashboard groups runs into periods."""

    workflow_id: str
    run_created_at: datetime


@dataclass(frozen=True, slots=True)
class PathFigures:
    """Runs that took ``path`` at split step ``step_id``, and how many converted."""

    step_id: str
    path: str
    started: int
    converted: int


@dataclass(frozen=True, slots=True)
class EmailFigures:
    """An email step's sends and how many of those emails were opened or clicked."""

    step_id: str
    sent: int
    opened: int
    clicked: int


@dataclass(frozen=True, slots=True)
class EmailOutcomes:
    """What else became of an email step's sends: how many went without their
    email (suppressed, unsubscribed, capped, quiet hours: by why), and how many
    of the emails sent were unsubscribed from or bounced."""

    skipped: dict[str, int]
    unsubscribed: int
    bounced: int


@dataclass(frozen=True, slots=True)
class GoalFigures:
    """For the runs of a campaign created in a period: how many converted,
    and the same per split path; each email step's sends, opens and clicks;
    how many reached each step."""

    converted: int
    paths: tuple[PathFigures, ...]
    emails: tuple[EmailFigures, ...]
    # How many runs reached each step (a row not skipped), as the funnel counts.
    reached: tuple[tuple[str, int], ...] = ()
