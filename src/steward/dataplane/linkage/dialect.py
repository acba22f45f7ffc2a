"""The few SQL fragments of the clear-text model that DuckDB and Spark SQL spell differently.

Splink renders its own comparison levels for each backend; our custom levels are plain SQL,
so each fragment that is not portable is written here once per dialect. Everything else in
``splink_model`` (``left``, ``substr``, ``=``) reads the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[str, ...] = ("duckdb", "spark")


@dataclass(frozen=True)
class SqlDialect:
    """How one backend writes the list operations our custom comparison levels need."""

    name: Backend

    def lists_overlap(self, left: str, right: str) -> str:
        """True when two list (array) columns share at least one element."""
        if self.name == "spark":
            return f"arrays_overlap({left}, {right})"
        return f"list_has_any({left}, {right})"

    def is_hyphen_part(self, value: str, text: str) -> str:
        """True when ``value`` equals one of the parts of ``text`` split on hyphens."""
        if self.name == "spark":
            # Spark's split takes a regular expression; a lone hyphen is a literal in one.
            return f"array_contains(split({text}, '-'), {value})"
        return f"list_contains(string_split({text}, '-'), {value})"


def dialect_for(backend: str) -> SqlDialect:
    """The dialect of a backend named ``duckdb`` or ``spark``; anything else is refused."""
    if backend not in BACKENDS:
        raise ValueError(f"Unknown linkage backend {backend!r}: use {' or '.join(BACKENDS)}.")
    return SqlDialect(backend)  # type: ignore[arg-type]
