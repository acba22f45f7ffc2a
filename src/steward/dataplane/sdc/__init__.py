"""Disclosure control: rules, protected tables with audit certificates, a release ledger,
microdata anonymity and output checking. Pure NumPy/SciPy; nothing here knows about Django."""

from __future__ import annotations

from .audit import AuditResult, CellAudit, Verification, audit, verify_certificate
from .protect import Protection, display_values, protect
from .rules import DisclosureRules, RulesError, plain_language, strictest
from .table import Dimension, Table, TableError, build_table, read_leaf_csv, table_from_leaf_cells

__all__ = [
    "AuditResult",
    "CellAudit",
    "Dimension",
    "DisclosureRules",
    "Protection",
    "RulesError",
    "Table",
    "TableError",
    "Verification",
    "audit",
    "build_table",
    "display_values",
    "plain_language",
    "protect",
    "read_leaf_csv",
    "strictest",
    "table_from_leaf_cells",
    "verify_certificate",
]
