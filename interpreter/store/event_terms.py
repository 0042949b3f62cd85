"""An event's search terms as the database triggers collect them into
``event_terms`` (migrations 0003 and 0007): the rule in Python, for the
memory face and for the SQL reads that take a few events' data whole."""

from __future__ import annotations

from interpreter.language.values import JSON


def terms(value: JSON) -> set[str]:
    """The lower-cased strings (up to 200 characters) among a JSON value's
    string values, at any depth; not its object keys."""
    if isinstance(value, str):
        return {value.lower()} if len(value) <= 200 else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(terms(item) for item in value))
    return set()
