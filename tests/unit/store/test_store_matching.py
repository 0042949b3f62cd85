"""The wait key and URL handling, without a database."""

from __future__ import annotations

import pytest

from interpreter.errors import StoreError
from interpreter.language.wait_keys import canonical, value_at
from interpreter.store.database import normalize_url


def test_canonical_text_ignores_key_order_but_not_types() -> None:
    assert canonical({"b": 1, "a": [True, None]}) == '{"a":[true,null],"b":1}'
    assert canonical({"a": 1, "b": 2}) == canonical({"b": 2, "a": 1})
    assert canonical(1) != canonical("1") != canonical(1.0)
    assert canonical("é") == '"é"'


def test_value_at_walks_objects_and_lists() -> None:
    document = {"data": {"email_id": "em_1", "tags": ["a", {"k": 0}], "none": None}}
    assert value_at(document, "data.email_id") == (True, "em_1")
    assert value_at(document, "data.tags.1.k") == (True, 0)
    assert value_at(document, "data.none") == (True, None)
    assert value_at(document, "data.missing") == (False, None)
    assert value_at(document, "data.tags.5") == (False, None)
    assert value_at(document, "data.email_id.x") == (False, None)


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError):
        normalize_url("::")
