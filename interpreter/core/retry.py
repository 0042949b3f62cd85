"""When a failed action is tried again: a decision, never a side effect.

The jitter is derived from a hash of the run, step, visit and attempt rather
than from a random source, so replaying the same inputs gives the same timers.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from interpreter.language.definitions import RetryPolicy

_MAX_SECONDS = timedelta.max.total_seconds() / 2


def retry_delay(policy: RetryPolicy, failed_attempt: int, seed: str) -> timedelta | None:
    """How long to wait before the try after ``failed_attempt`` (1-based), or None
    once the policy's attempts (the first try included) are spent.

    The delay is ``initial * factor^(n-1)``, capped at ``max_delay``, then spread
    by up to ``±jitter`` of itself and capped again, so that runs failing
    together against one provider do not all retry in the same second.
    """
    if failed_attempt >= policy.attempts:
        return None
    initial = policy.initial_delay.total_seconds()
    cap = policy.max_delay.total_seconds()
    try:
        base = initial * policy.factor ** (failed_attempt - 1)
    except OverflowError:
        base = cap
    base = min(base, cap, _MAX_SECONDS)
    spread = policy.jitter * (2 * _unit(seed) - 1)
    seconds = min(max(base * (1 + spread), 0.0), cap)
    return timedelta(seconds=seconds)


def _unit(seed: str) -> float:
    """A number in [0, 1) that depends only on ``seed``."""
    digest = hashlib.blake2b(seed.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
