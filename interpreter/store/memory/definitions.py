"""Campaign snapshots, in memory (as ``store/sql/definitions.py``)."""

from __future__ import annotations

import copy
from datetime import datetime

from interpreter.errors import NotFound
from interpreter.store.memory._data import OnData
from interpreter.store.records import Definition


class Definitions(OnData):
    def save_definition(self, definition: Definition, now: datetime) -> None:
        self._d.definitions.setdefault(definition.hash, copy.deepcopy(definition))

    def load_definition(self, hash: str) -> Definition:
        if hash not in self._d.definitions:
            raise NotFound(f"no definition with hash {hash}")
        return copy.deepcopy(self._d.definitions[hash])

    def campaign_ids(self) -> list[str]:
        return sorted({d.workflow_id for d in self._d.definitions.values()})
