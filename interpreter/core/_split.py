"""The ``split`` step: a deterministic experiment.

The path a run takes is a published formula of the campaign id, the step id
and the key, so a warehouse holding the same keys can recompute every cohort:

- ``text`` is the key's value, a string as itself and anything else as compact
  JSON (``42``, ``true``, ``{"a":1}``); without ``key``, the run id;
- ``bucket = int.from_bytes(sha256(f"{campaign}:{step}:{text}")[:8], "big") % 10000``;
- with ``W`` the sum of the weights, the path is the first whose running total
  ``w`` of weights, in order, has ``bucket * W < w * 10000``.

The same inputs always give the same path, so a retry or a worker taking the
run over chooses as before. A replay starts a new run (a new id), so it
carries the paths of the run it replays in ``kept_paths`` and takes those.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from interpreter.core.model import JSON, RunState
from interpreter.core.scope import Turn
from interpreter.language import cel
from interpreter.language.definitions import SplitPath, SplitStep

BUCKETS = 10000


def key_text(value: JSON) -> str:
    """The key as the formula hashes it: a string as itself, else compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def bucket_of(campaign_id: str, step_id: str, text: str) -> int:
    digest = hashlib.sha256(f"{campaign_id}:{step_id}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def path_for(bucket: int, paths: Sequence[SplitPath]) -> SplitPath:
    """The first path whose running total of weights passes the bucket.

    Integer arithmetic only, so no weight is ever off by a rounding error.
    Lint requires a positive sum; with none (a run must not depend on lint),
    the first path is taken.
    """
    total = sum(path.weight for path in paths)
    running = 0
    for path in paths:
        running += path.weight
        if bucket * total < running * BUCKETS:
            return path
    return paths[0]


def kept_path_key(step_id: str, visit: int) -> str:
    return f"{step_id}:{visit}"


def choose(turn: Turn, state: RunState, step: SplitStep, visit: int) -> dict[str, JSON]:
    """The split's output ``{path, bucket}``; raises ExpressionError from the key."""
    kept = state.kept_paths.get(kept_path_key(step.id, visit))
    if isinstance(kept, dict) and any(path.name == kept.get("path") for path in step.paths):
        return dict(kept)  # a replay keeps the path (and bucket) its original run had
    value = cel.evaluate(step.key, turn.scope(state)) if step.key is not None else state.run_id
    bucket = bucket_of(turn.workflow.id, step.id, key_text(value))
    return {"path": path_for(bucket, step.paths).name, "bucket": bucket}


def target_of(step: SplitStep, output: dict[str, JSON]) -> str:
    return next(path.next for path in step.paths if path.name == output["path"])
