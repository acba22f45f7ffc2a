"""The synthetic state of Lakeland: agencies' source files, the true links, and a manifest.

``generate(out, students=..., years=(2015, 2024), seed=...)`` writes everything; see
``docs/synthetic-state.md``.
"""

from __future__ import annotations

from .config import ErrorRates, FileEntry, Summary
from .generate import generate

__all__ = ["ErrorRates", "FileEntry", "Summary", "generate"]
