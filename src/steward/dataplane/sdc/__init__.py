"""Disclosure control: rules, protected tables with audit certificates, a release ledger,
microdata anonymity and output checking. Pure NumPy/SciPy; nothing here knows about Django."""

from __future__ import annotations

from .audit import AuditResult, CellAudit, audit, feasible_intervals
from .certificate import Verification, verify_certificate
from .cli import protect_csv
from .ledger import LedgerAudit, Release, audit_with_ledger, release_from_protection
from .microdata import anonymize, k_anonymity, l_diversity
from .outputs import OutputCheck, check_counts, check_regression, check_table
from .protect import Protection, display_values, protect
from .rows import ProtectedRows, protect_magnitude_rows, protect_rows
from .rules import DisclosureRules, RulesError, plain_language, strictest
from .table import Dimension, Table, TableError, build_table, read_leaf_csv, table_from_leaf_cells

__all__ = [
    "AuditResult",
    "CellAudit",
    "Dimension",
    "DisclosureRules",
    "LedgerAudit",
    "OutputCheck",
    "ProtectedRows",
    "Protection",
    "Release",
    "RulesError",
    "Table",
    "TableError",
    "Verification",
    "anonymize",
    "audit",
    "audit_with_ledger",
    "build_table",
    "check_counts",
    "check_regression",
    "check_table",
    "display_values",
    "feasible_intervals",
    "k_anonymity",
    "l_diversity",
    "plain_language",
    "protect",
    "protect_csv",
    "protect_magnitude_rows",
    "protect_rows",
    "read_leaf_csv",
    "release_from_protection",
    "strictest",
    "table_from_leaf_cells",
    "verify_certificate",
]
