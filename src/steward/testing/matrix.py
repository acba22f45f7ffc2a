"""Rows of the permission matrix: what each persona gets from each route.

`tests/test_permission_matrix.py` checks every row; apps keep their rows beside their tests in
`tests/<app>/matrix_<app>.py` as a module-level `ROUTES` list built from these helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from steward.core.personas import PERSONAS

ANONYMOUS = None
EVERYONE = [persona.key for persona in PERSONAS]


def expect(default: int, anonymous: int, **overrides: int) -> dict[str | None, int]:
    """Every persona gets `default`, an anonymous visitor `anonymous`, except the overrides."""
    table: dict[str | None, int] = dict.fromkeys(EVERYONE, default)
    table[ANONYMOUS] = anonymous
    table.update(overrides)
    return table


def only(allowed: set[str], status: int, denied: int, anonymous: int) -> dict[str | None, int]:
    """The `allowed` personas get `status`; everyone else signed in gets `denied`."""
    return expect(denied, anonymous, **dict.fromkeys(allowed, status))


@dataclass
class Route:
    """One route, one method: the status each persona must get, and whether it changes state.

    `kwargs(fixtures)` returns the URL's arguments; `fixtures` holds `people` (the personas by
    key) and objects the matrix made, and a row may create what it needs.
    """

    name: str
    expected: dict[str | None, int]
    method: str = "get"
    kwargs: Callable[[dict], dict[str, Any]] = lambda fixtures: {}
    data: dict[str, Any] = field(default_factory=dict)
    mutates: bool = False
