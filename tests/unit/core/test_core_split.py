"""The split formula against values computed here independently, its spread
over many keys, and the split step as the core runs it."""

from __future__ import annotations

import hashlib
from fractions import Fraction

from interpreter.core._split import bucket_of, key_text, path_for
from interpreter.core.advance import new_run_state
from interpreter.core.model import Fail, Record, RunAction, changed
from interpreter.language.definitions import Expression, OnError, SplitPath, SplitStep
from tests.unit.core._core_workflows import Run, campaign, email, expr, loc, signup

WEIGHTS = (("discount", 45), ("free_month", 45), ("holdout", 10))


def _paths(weights: tuple[tuple[str, int], ...] = WEIGHTS) -> tuple[SplitPath, ...]:
    return tuple(
        SplitPath(name=name, weight=weight, next=f"send_{name}", location=loc())
        for name, weight in weights
    )


def _expected_bucket(campaign_id: str, step_id: str, text: str) -> int:
    """The issue's formula, written out again here."""
    digest = hashlib.sha256(f"{campaign_id}:{step_id}:{text}".encode()).digest()
    return int.from_bytes(digest[:8], byteorder="big") % 10000


def _expected_path(bucket: int, weights: tuple[tuple[str, int], ...]) -> str:
    """The first path whose share of [0, 1) lies past the bucket's point, in fractions."""
    total = sum(weight for _, weight in weights)
    reached = Fraction(0)
    for name, weight in weights:
        reached += Fraction(weight, total)
        if Fraction(bucket, 10000) < reached:
            return name
    raise AssertionError("no path")


def test_the_key_is_hashed_as_text_a_string_as_itself_anything_else_as_compact_json() -> None:
    assert key_text("user-1") == "user-1"
    assert key_text(42) == "42"
    assert key_text(True) == "true"
    assert key_text(None) == "null"
    assert key_text(1.5) == "1.5"
    assert key_text({"a": 1, "b": [1, 2]}) == '{"a":1,"b":[1,2]}'


def test_buckets_match_the_published_formula_for_fixed_keys() -> None:
    cases = [
        ("onboarding", "offer_split", "user-1"),
        ("onboarding", "offer_split", "42"),
        ("onboarding", "offer_split", "true"),
        ("crm-onboarding", "offer", "2"),
        ("crm-onboarding", "offer", "é"),
        ("a", "b", ""),
    ]
    for campaign_id, step_id, text in cases:
        assert bucket_of(campaign_id, step_id, text) == _expected_bucket(campaign_id, step_id, text)
    # Pinned values a warehouse query can be checked against.
    assert bucket_of("crm-onboarding", "offer", "1") == 9532
    assert bucket_of("crm-onboarding", "offer", "2") == 1445
    assert bucket_of("crm-onboarding", "offer", "3") == 5204


def test_the_path_is_the_first_whose_running_total_passes_the_bucket() -> None:
    paths = _paths()
    # The edges: 4499 is the last discount bucket, 4500 the first free_month one.
    edges = {0: "discount", 4499: "discount", 4500: "free_month", 8999: "free_month"}
    edges |= {9000: "holdout", 9999: "holdout"}
    for bucket, name in edges.items():
        assert path_for(bucket, paths).name == name
    uneven = (("a", 1), ("b", 2), ("c", 0), ("d", 4))
    for bucket in range(10000):
        assert path_for(bucket, _paths(uneven)).name == _expected_path(bucket, uneven)


def test_ten_thousand_keys_spread_45_45_10() -> None:
    paths = _paths()
    counts = {name: 0 for name, _ in WEIGHTS}
    decided = 0
    for n in range(10000):
        bucket = bucket_of("onboarding", "offer_split", key_text(n))
        name = path_for(bucket, paths).name
        assert name == _expected_path(bucket, WEIGHTS)
        counts[name] += 1
        decided += 1
    assert decided == 10000
    # Five standard deviations of a fair binomial: a skewed hash would fail this.
    assert abs(counts["discount"] - 4500) < 250, counts
    assert abs(counts["free_month"] - 4500) < 250, counts
    assert abs(counts["holdout"] - 1000) < 150, counts


def _split_campaign(key: Expression | None = None) -> tuple[SplitStep, Run]:
    step = SplitStep(id="offer_split", location=loc(), key=key, paths=_paths())
    workflow = campaign(
        step,
        email("send_discount", "Discount", next="end"),
        email("send_free_month", "Free month", next="end"),
        email("send_holdout", "Holdout", next="end"),
        id="onboarding",
    )
    return step, Run.start(workflow, signup(user_id=42))


def test_a_split_records_its_path_and_bucket_and_jumps_to_the_path() -> None:
    _, run = _split_campaign(key=expr("event.data.user.id"))
    bucket = _expected_bucket("onboarding", "offer_split", "42")
    name = _expected_path(bucket, WEIGHTS)
    output = {"path": name, "bucket": bucket}
    assert Record("offer_split", "split", output) in run.commands
    assert run.state.steps["offer_split"] == {"output": output}
    actions = [c for c in run.commands if isinstance(c, RunAction)]
    assert [a.step_id for a in actions] == [f"send_{name}"]


def test_without_a_key_the_run_id_decides() -> None:
    _, run = _split_campaign()
    bucket = _expected_bucket("onboarding", "offer_split", "run-1")
    assert run.state.steps["offer_split"]["output"] == {
        "path": _expected_path(bucket, WEIGHTS),
        "bucket": bucket,
    }


def test_a_kept_path_wins_over_the_formula_while_the_path_exists() -> None:
    _, first = _split_campaign()
    chosen = first.state.steps["offer_split"]["output"]
    assert isinstance(chosen, dict)
    other = next(name for name, _ in WEIGHTS if name != chosen["path"])
    kept = {"path": other, "bucket": 1234}
    workflow = first.workflow
    state = changed(new_run_state(workflow, "run-2"), kept_paths={"offer_split:1": kept})
    again = Run(workflow, state)
    again.send(first.log[0][1])
    assert again.state.steps["offer_split"]["output"] == kept
    # A kept path the definition no longer has: the formula decides.
    gone = changed(state, kept_paths={"offer_split:1": {"path": "retired", "bucket": 5}})
    fresh = Run(workflow, gone)
    fresh.send(first.log[0][1])
    output = fresh.state.steps["offer_split"]["output"]
    assert isinstance(output, dict) and output["path"] != "retired"
    assert output["bucket"] == _expected_bucket("onboarding", "offer_split", "run-2")


def test_a_key_that_does_not_evaluate_fails_the_split_unless_on_error() -> None:
    _, run = _split_campaign(key=expr("event.data.missing.id"))
    assert run.status == "failed"
    assert isinstance(run.commands[-1], Fail) and run.commands[-1].step_id == "offer_split"
    step = SplitStep(
        id="offer_split",
        location=loc(),
        key=expr("event.data.missing.id"),
        paths=_paths(),
        on_error=OnError(next="send_holdout", location=loc()),
    )
    workflow = campaign(
        step,
        email("send_discount", "Discount", next="end"),
        email("send_free_month", "Free month", next="end"),
        email("send_holdout", "Holdout", next="end"),
    )
    rescued = Run.start(workflow)
    assert rescued.status == "running"
    assert rescued.state.steps["offer_split"]["output"] is None
    actions = [c.step_id for c in rescued.commands if isinstance(c, RunAction)]
    assert actions == ["send_holdout"]
