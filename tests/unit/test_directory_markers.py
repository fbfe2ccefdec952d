"""The suites `make test-fast` leaves out are marked by directory, not file by file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import conftest


class CollectedItem:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.markers: list[str] = []

    def add_marker(self, marker: str) -> None:
        self.markers.append(marker)


def test_tests_take_the_marker_of_their_directory() -> None:
    where = {
        "e2e/test_enrollment.py": ["e2e"],
        "field/test_chaos.py": ["field"],
        "hostile/test_corpus.py": ["hostile"],
        "sync/test_push_pull.py": [],
        "unit/test_hostile_words.py": [],  # a file's name is not its directory
        "conftest.py": [],
    }
    items = [CollectedItem(conftest.TESTS / relative) for relative in where]
    config: Any = None
    conftest.pytest_collection_modifyitems(config, items)
    assert {str(i.path.relative_to(conftest.TESTS)): i.markers for i in items} == where
