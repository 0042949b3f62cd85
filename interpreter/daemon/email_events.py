"""What flow records when someone clicks, opens or unsubscribes from an email
it sent, reported by the tracking endpoints (``interpreter.http.tracking``).

- a click records ``email.clicked`` with ``{email_id, link, to}``;
- an open records ``email.opened`` with ``{email_id, to}``;
- repeats of one link (or pixel) within ``HIT_WINDOW_SECONDS`` record once;
- an unsubscribe suppresses the address and records ``email.unsubscribed``
  with ``{email_id, to}``.

Clicks and opens are also recorded under Resend's webhook names
(``resend/email.clicked``, ``resend/email.opened``), with the same data and in
the same transaction. A campaign written against Resend's webhooks, such as the
seed campaign's ``wait_for_event: resend/email.clicked`` with
``async.data.email_id``, then works unchanged when mail goes out over SMTP and
flow tracks the clicks itself: ``email_id`` is the ``id`` in the step's output
either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from interpreter.actions.email.tracking import TrackingToken
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import EventIn, IngestResult
from interpreter.daemon.suppressions import suppress

CLICKED = "email.clicked"
OPENED = "email.opened"
UNSUBSCRIBED = "email.unsubscribed"
# Per address and topic (message category): what a campaign's cancel_on reads.
TOPIC_LEFT = "flow/email.unsubscribed"
TOPIC_JOINED = "flow/email.resubscribed"
# The webhook names a provider would use for the same facts (see the docstring).
MIRRORED = {CLICKED: "resend/email.clicked", OPENED: "resend/email.opened"}


# Repeated hits of one link within this window record one event: a mail
# client that loads the pixel on every view, a double click, or anyone
# replaying a link cannot add rows without bound.
HIT_WINDOW_SECONDS = 60


def record_click(engine: Engine, token: TrackingToken) -> list[IngestResult]:
    return _record(
        engine, CLICKED, token, {"email_id": token.email_id, "link": token.link, "to": token.to}
    )


def record_open(engine: Engine, token: TrackingToken) -> list[IngestResult]:
    return _record(engine, OPENED, token, {"email_id": token.email_id, "to": token.to})


def record_unsubscribe(engine: Engine, token: TrackingToken) -> list[str]:
    """Suppress the token's recipients (from the token's category only, when it
    has one) and record ``email.unsubscribed`` once per email and recipients,
    however often the link is posted. Returns the addresses newly suppressed."""
    added = suppress(
        engine.store,
        token.addresses,
        "unsubscribed",
        engine.clock.now(),
        token.email_id,
        token.category,
    )
    seed = "\0".join([token.email_id, *sorted(a.lower() for a in token.addresses)])
    event_id = "evt_unsub_" + hashlib.sha256(seed.encode()).hexdigest()[:20]
    engine.ingest(UNSUBSCRIBED, {"email_id": token.email_id, "to": token.to}, event_id=event_id)
    record_topic_changes(engine, [(a, token.category, False) for a in token.addresses])
    return added


def record_topic_changes(
    engine: Engine, changes: Sequence[tuple[str, str | None, bool]]
) -> list[IngestResult]:
    """Record ``flow/email.unsubscribed`` (or ``flow/email.resubscribed``) with
    ``{address, category}`` for each (address, category, subscribed) change, so a
    campaign can ``cancel_on`` a topic left; category null is the whole list. The
    ids are unique per change and moment: leaving, rejoining and leaving again
    are three events."""
    now = engine.clock.now().isoformat()
    events = [
        EventIn(
            TOPIC_JOINED if subscribed else TOPIC_LEFT,
            {"address": address.lower(), "category": category},
            "evt_topic_"
            + hashlib.sha256(
                json.dumps([address.lower(), category, subscribed, now]).encode()
            ).hexdigest()[:20],
        )
        for address, category, subscribed in changes
    ]
    return engine.ingest_many(events) if events else []


def _record(
    engine: Engine, name: str, token: TrackingToken, data: dict[str, object]
) -> list[IngestResult]:
    """Record a hit under an id made of the email, the token and the window it
    falls in: a repeat in the same window is a duplicate id, stored once and
    triggering nothing (the store's own deduplication, shared by every process)."""
    window = int(engine.clock.now().timestamp()) // HIT_WINDOW_SECONDS
    seed = json.dumps([name, token.email_id, token.link, token.to, window], ensure_ascii=False)
    event_id = "evt_hit_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    events: Sequence[EventIn] = [
        EventIn(name, data, event_id),
        EventIn(MIRRORED[name], data, f"{event_id}.mirror"),
    ]
    return engine.ingest_many(events)
