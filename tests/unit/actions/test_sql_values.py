from __future__ import annotations

import datetime
import decimal
import uuid

from interpreter.actions._sql_values import json_value


def test_values_become_json_friendly() -> None:
    when = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC)
    row = {
        "when": when,
        "day": datetime.date(2024, 5, 1),
        "price": decimal.Decimal("19.99"),
        "whole": decimal.Decimal("10"),
        "nan": decimal.Decimal("NaN"),
        "id": uuid.UUID(int=1),
        "raw": b"\x00\xff",
        "span": datetime.timedelta(minutes=2),
        "tags": ("a", decimal.Decimal("1.5")),
        "doc": {"n": decimal.Decimal("2")},
    }
    assert json_value(row) == {
        "when": "2024-05-01T12:30:00+00:00",
        "day": "2024-05-01",
        "price": 19.99,
        "whole": 10.0,
        "nan": "NaN",
        "id": "00000000-0000-0000-0000-000000000001",
        "raw": "AP8=",
        "span": 120.0,
        "tags": ["a", 1.5],
        "doc": {"n": 2.0},
    }
    assert isinstance(json_value(decimal.Decimal("10")), float)
