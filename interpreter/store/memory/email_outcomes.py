"""Per email step, the sends skipped and the emails unsubscribed from or
bounced, in memory (as ``store/sql/email_outcomes.py``)."""

from __future__ import annotations

from interpreter.store.conversion_records import BOUNCED, UNSUBSCRIBED, EmailOutcomes
from interpreter.store.memory._data import OnData
from interpreter.store.memory.browsing import Browsing
from interpreter.store.memory.conversions import sent
from interpreter.store.records import Bound


class EmailOutcomesReads(OnData):
    def email_outcomes(
        self, workflow_id: str, since: Bound, until: Bound
    ) -> dict[str, EmailOutcomes]:
        cohort = Browsing(self._d)._cohort(workflow_id, since, until)
        left = self.event_strings(UNSUBSCRIBED)
        bounced = self.event_strings(BOUNCED)
        skipped: dict[str, dict[str, int]] = {}
        counts: dict[str, dict[str, int]] = {}
        for s in self._d.steps:
            if s.run_id not in cohort or s.kind != "email.send" or not isinstance(s.output, dict):
                continue
            why = s.output.get("skipped")
            if s.status == "ok" and isinstance(why, str):
                by_why = skipped.setdefault(s.step_id, {})
                by_why[why] = by_why.get(why, 0) + 1
            elif sent(s):
                email = str(s.output["id"]).lower()
                step = counts.setdefault(s.step_id, {"unsubscribed": 0, "bounced": 0})
                step["unsubscribed"] += email in left
                step["bounced"] += email in bounced
        steps = {step for step, n in counts.items() if any(n.values())} | skipped.keys()
        return {
            step: EmailOutcomes(
                skipped.get(step, {}),
                counts.get(step, {}).get("unsubscribed", 0),
                counts.get(step, {}).get("bounced", 0),
            )
            for step in steps
        }
