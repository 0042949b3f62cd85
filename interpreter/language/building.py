"""From a schema-valid document to the frozen ``Workflow`` the core runs.

Conditions become ``Expression``s; strings with ``${ }`` in data fields become
``Interpolation``s; durations become timedeltas. A bad duration or an unclosed
``${`` is recorded as a problem and replaced by a placeholder, so that the lint
rules can still look at the rest of the campaign and report everything at once.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from interpreter.language import definitions as d
from interpreter.language.durations import DurationError, parse_duration
from interpreter.language.local_time import DAY_NAMES, MIDNIGHT, parse_clock
from interpreter.language.policies import rate_at
from interpreter.language.problems import Problem
from interpreter.language.templating import expression_at, locate, split_template
from interpreter.language.yaml_source import Document, JsonPath


class WorkflowBuilder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.source = document.source
        self.problems: list[Problem] = []

    def build(self) -> d.Workflow:
        data = self.document.data
        return d.Workflow(
            id=data["id"],
            name=data.get("name"),
            description=data.get("description"),
            triggers=self._triggers(data["on"]),
            idempotency=self._condition(data.get("idempotency"), ("idempotency",)),
            entry=self._entry(data),
            debounce=self._debounce(data.get("debounce")),
            cancel_on=tuple(
                d.CancelOn(
                    event=item["event"],
                    if_=self._condition(item.get("if"), ("cancel_on", i, "if")),
                    location=self.source.key(("cancel_on", i)),
                )
                for i, item in enumerate(data.get("cancel_on", []))
            ),
            goal=self._goal(data.get("goal")),
            secrets=tuple(data.get("secrets", [])),
            vars=tuple(
                (name, self._data(value, ("vars", name)))
                for name, value in data.get("vars", {}).items()
            ),
            retry=self._retry(data.get("retry"), ("retry",)) or d.RetryPolicy(),
            track=data.get("track", True) is not False,
            timezone=self._data(data["timezone"], ("timezone",)) if "timezone" in data else None,
            timezone_fallback=data.get("timezone_fallback", "UTC"),
            quiet_hours=self._quiet_hours(data.get("quiet_hours")),
            category=data.get("category"),
            timeout=self._duration(data.get("timeout"), ("timeout",)),
            steps=tuple(self._step(step, ("steps", i)) for i, step in enumerate(data["steps"])),
            source_file=self.source.file,
            source_text=self.source.text,
        )

    # ---- pieces ------------------------------------------------------------

    def _triggers(self, value: Any) -> tuple[d.Trigger, ...]:
        items = value if isinstance(value, list) else [value]
        triggers: list[d.Trigger] = []
        for i, item in enumerate(items):
            path: JsonPath = ("on", i) if isinstance(value, list) else ("on",)
            location = self.source.key(path)
            if "cron" in item:
                triggers.append(
                    d.CronTrigger(
                        cron=item["cron"], timezone=item.get("timezone", "UTC"), location=location
                    )
                )
            else:
                triggers.append(
                    d.EventTrigger(
                        event=item["event"],
                        if_=self._condition(item.get("if"), (*path, "if")),
                        location=location,
                    )
                )
        return tuple(triggers)

    def _condition(self, value: Any, path: JsonPath) -> d.Expression | None:
        """A bare CEL field; YAML ``true``/``false`` are taken as the CEL literals."""
        if value is None:
            return None
        source = str(value).lower() if isinstance(value, bool) else str(value)
        start = self.source.value(path)
        positions = (
            self.source.character_positions(path, source) if isinstance(value, str) else None
        )
        return expression_at(source, start, positions)

    def _goal(self, value: Any) -> d.Goal | None:
        if value is None:
            return None
        within = self._duration(value.get("within"), ("goal", "within"), allow_zero=True)
        return d.Goal(
            event=value["event"],
            if_=self._condition(value.get("if"), ("goal", "if")),
            within=within or timedelta(0),
            exit=value.get("exit", True) is not False,
            location=self.source.key(("goal",)),
        )

    def _data(self, value: Any, path: JsonPath) -> d.Template:
        if isinstance(value, str):
            start = self.source.value(path)
            positions = self.source.character_positions(path, value)
            result, errors = split_template(value, start, positions)
            for error in errors:
                self.problems.append(
                    Problem.at(
                        locate(start, positions, error.offset), "template-syntax", error.message
                    )
                )
            return result
        if isinstance(value, dict):
            return {key: self._data(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self._data(item, (*path, i)) for i, item in enumerate(value)]
        return value

    def _duration(
        self, value: Any, path: JsonPath, *, allow_zero: bool = False
    ) -> timedelta | None:
        if value is None:
            return None
        try:
            return parse_duration(str(value), allow_zero=allow_zero)
        except DurationError as error:
            self.problems.append(Problem.at(self.source.value(path), "bad-duration", str(error)))
            return timedelta(seconds=1)  # a placeholder so the other checks can go on

    def _retry(self, value: Any, path: JsonPath) -> d.RetryPolicy | None:
        if value is None:
            return None
        defaults = d.RetryPolicy()
        return d.RetryPolicy(
            attempts=value.get("attempts", defaults.attempts),
            initial_delay=self._duration(value.get("initial_delay"), (*path, "initial_delay"))
            or defaults.initial_delay,
            factor=float(value.get("factor", defaults.factor)),
            max_delay=self._duration(value.get("max_delay"), (*path, "max_delay"))
            or defaults.max_delay,
            jitter=float(value.get("jitter", defaults.jitter)),
        )

    def _throttle(self, value: Any, path: JsonPath) -> d.Throttle | None:
        if value is None:
            return None
        rate = rate_at(value, path, self.source, self.problems)
        if rate is None:
            return None
        key = self._condition(value.get("key"), (*path, "key"))
        return d.Throttle(limit=rate.limit, period=rate.period, key=key)

    def _entry(self, data: dict[str, Any]) -> d.EntryRule | None:
        # `idempotency: X` alone is `entry: {key: X}`; both at once is the
        # lint rule `entry-and-idempotency`'s to report (entry wins).
        value = data.get("entry")
        if value is None:
            key = self._condition(data.get("idempotency"), ("idempotency",))
            location = self.source.key(("idempotency",))
            return None if key is None else d.EntryRule(key=key, location=location)
        key = self._condition(value["key"], ("entry", "key"))
        assert key is not None  # the schema requires it
        return d.EntryRule(
            key=key,
            if_running=value.get("if_running", "skip"),
            reentry_after=self._duration(value.get("reentry_after"), ("entry", "reentry_after")),
            location=self.source.key(("entry",)),
        )

    def _debounce(self, value: Any) -> d.Debounce | None:
        if value is None:
            return None
        return d.Debounce(
            key=self._condition(value.get("key"), ("debounce", "key")),
            period=self._duration(value["period"], ("debounce", "period")) or timedelta(seconds=1),
            timeout=self._duration(value.get("timeout"), ("debounce", "timeout")),
            location=self.source.key(("debounce",)),
        )

    def _quiet_hours(self, value: Any) -> d.QuietHours | None:
        # A malformed time is the lint rule `bad-time`'s to report; building
        # goes on with midnight so that the other rules can still run.
        if value is None:
            return None
        spread = self._duration(value.get("spread"), ("quiet_hours", "spread"), allow_zero=True)
        return d.QuietHours(
            start=_clock(value["from"]),
            end=_clock(value["to"]),
            spread=spread or timedelta(0),
            location=self.source.key(("quiet_hours",)),
        )

    def _step(self, step: dict[str, Any], path: JsonPath) -> d.Step:
        common: dict[str, Any] = {
            "id": step["id"],
            "location": self.source.key(path),
            "if_": self._condition(step.get("if"), (*path, "if")),
            "next": step.get("next"),
            "on_error": self._on_error(step.get("on_error"), (*path, "on_error")),
        }
        if "action" in step:
            with_ = self._data(step.get("with", {}), (*path, "with"))
            # `track: false` on the campaign is every email step's default.
            if step["action"] == "email.send" and self.document.data.get("track") is False:
                with_ = {"track": False, **with_}
            return d.ActionStep(
                **common,
                action=step["action"],
                with_=with_,
                retry=self._retry(step.get("retry"), (*path, "retry")),
                quiet_hours=step.get("quiet_hours"),
                throttle=self._throttle(step.get("throttle"), (*path, "throttle")),
                when_capped=step.get("when_capped", "skip"),
            )
        if "sleep" in step:
            duration = self._duration(step["sleep"], (*path, "sleep"))
            return d.SleepStep(**common, duration=duration or timedelta(seconds=1))
        if "sleep_until" in step:
            return d.SleepUntilStep(
                **common, until=self._data(step["sleep_until"], (*path, "sleep_until"))
            )
        if "wait_for_event" in step and "any" in step["wait_for_event"]:
            return self._wait_for_any(step["wait_for_event"], (*path, "wait_for_event"), common)
        if "wait_for_event" in step:
            wait = step["wait_for_event"]
            wait_path = (*path, "wait_for_event")
            return d.WaitForEventStep(
                **common,
                event=wait["event"],
                match=self._condition(wait.get("if"), (*wait_path, "if")),
                timeout=self._duration(wait.get("timeout"), (*wait_path, "timeout")),
                lookback=self._duration(
                    wait.get("lookback"), (*wait_path, "lookback"), allow_zero=True
                )
                or timedelta(0),
            )
        if "wait_for_window" in step:
            window = step["wait_for_window"]
            opens, closes = window.get("between", [MIDNIGHT, MIDNIGHT])
            return d.WaitForWindowStep(
                **common,
                days=frozenset(
                    DAY_NAMES.index(day)
                    for day in window.get("days", DAY_NAMES)
                    if day in DAY_NAMES
                ),
                opens=_clock(opens),
                closes=_clock(closes),
            )
        if "for_each" in step:
            return self._for_each(step["for_each"], (*path, "for_each"), common)
        if "switch" in step:
            return d.SwitchStep(
                **common,
                cases=tuple(
                    d.SwitchCase(
                        if_=self._condition(case.get("if"), (*path, "switch", k, "if")),
                        next=case["next"],
                        location=self.source.key((*path, "switch", k)),
                    )
                    for k, case in enumerate(step["switch"])
                ),
            )
        if "split" in step:
            return self._split(step["split"], (*path, "split"), common)
        return d.SetStep(
            **common,
            values=tuple(
                (name, self._data(value, (*path, "set", name)))
                for name, value in step["set"].items()
            ),
        )

    def _for_each(self, value: dict[str, Any], path: JsonPath, common: dict[str, Any]) -> d.Step:
        query = value.get("query")
        return d.ForEachStep(
            **common,
            items=self._data(value["items"], (*path, "items")) if "items" in value else None,
            query=self._data(query, (*path, "query")) if isinstance(query, dict) else None,
            event=value["event"],
            data=self._data(value.get("data", {}), (*path, "data")),
            retry=self._retry(value.get("retry"), (*path, "retry")),
        )

    def _on_error(self, value: Any, path: JsonPath) -> d.OnError | None:
        if value is None:
            return None
        target = value.get("next") if isinstance(value, dict) else None
        return d.OnError(next=target, location=self.source.key(path))

    def _split(self, split: dict[str, Any], path: JsonPath, common: dict[str, Any]) -> d.SplitStep:
        return d.SplitStep(
            **common,
            key=self._condition(split.get("key"), (*path, "key")),
            paths=tuple(
                d.SplitPath(
                    name=item["name"],
                    weight=int(item["weight"]),  # the schema allows 45.0
                    next=item["next"],
                    location=self.source.key((*path, "paths", k)),
                )
                for k, item in enumerate(split["paths"])
            ),
        )

    def _wait_for_any(
        self, wait: dict[str, Any], path: JsonPath, common: dict[str, Any]
    ) -> d.WaitForAnyStep:
        return d.WaitForAnyStep(
            **common,
            entries=tuple(
                d.WaitEntry(
                    event=entry["event"],
                    match=self._condition(entry.get("if"), (*path, "any", k, "if")),
                    next=entry.get("next"),
                    location=self.source.key((*path, "any", k)),
                )
                for k, entry in enumerate(wait["any"])
            ),
            timeout=self._duration(wait.get("timeout"), (*path, "timeout")),
            lookback=self._duration(wait.get("lookback"), (*path, "lookback"), allow_zero=True)
            or timedelta(0),
        )


def _clock(value: Any) -> time:
    return value if isinstance(value, time) else parse_clock(value) or MIDNIGHT


def build_workflow(document: Document) -> tuple[d.Workflow, list[Problem]]:
    """Build the Workflow of a schema-valid document, with the problems met on the way."""
    builder = WorkflowBuilder(document)
    workflow = builder.build()
    return workflow, builder.problems
