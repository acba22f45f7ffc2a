"""``protect_csv``: protect a CSV file of leaf counts; write the published table and its public
certificate."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .protect import Protection
from .rows import protect_rows
from .rules import DisclosureRules


def atomic_write(path: str | Path, text: str) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over the target."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def protect_csv(
    in_path: str | Path,
    out_path: str | Path,
    cert_path: str | Path,
    dims: list[str],
    count: str,
    rules: DisclosureRules,
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
    method: str = "auto",
    issued_at: str | None = None,
    audit_seconds: float | None = None,
) -> Protection:
    """Protect a CSV of leaf counts; write every cell (margins too) as published, and the
    public certificate. The work is ``protect_rows``'s; this reads and writes the files."""
    with open(in_path, newline="", encoding="utf-8") as handle:
        text = handle.read()
    result = protect_rows(
        text,
        dims,
        count,
        rules,
        hierarchies=hierarchies,
        method=method,
        name=str(in_path),
        audit_seconds=audit_seconds,
    )
    atomic_write(out_path, result.csv_text)
    issued_at = issued_at or datetime.now(UTC).isoformat(timespec="seconds")
    certificate = result.protection.certificate(issued_at)
    atomic_write(cert_path, json.dumps(certificate, indent=2) + "\n")
    return result.protection


def certificate_from_file(path: str | Path) -> dict[str, Any]:
    """Read a certificate written by ``protect_csv``."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
