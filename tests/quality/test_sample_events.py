"""``workflows/events/`` holds each sample event whole (``NAME.event.json``) and
its data alone (``NAME.data.json``), and the two say the same."""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[2] / "workflows" / "events"


def test_every_whole_event_has_its_data_file_and_they_agree() -> None:
    whole = sorted(EVENTS.glob("*.event.json"))
    for path in whole:
        event = json.loads(path.read_text(encoding="utf-8"))
        assert set(event) >= {"name", "data"}, path.name
        data = EVENTS / path.name.replace(".event.json", ".data.json")
        assert json.loads(data.read_text(encoding="utf-8")) == event["data"], data.name
    assert len(whole) >= 4


def test_every_file_is_named_for_what_it_is() -> None:
    names = [path.name for path in EVENTS.iterdir()]
    assert [n for n in names if not n.endswith((".event.json", ".data.json"))] == []
    for name in names:
        assert isinstance(json.loads((EVENTS / name).read_text(encoding="utf-8")), dict), name
