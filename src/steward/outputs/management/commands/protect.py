"""`steward protect TABLE.csv --dims district,school,grade --count n [--rules rules.yaml]
[--agency sea,postsecondary] [--out OUT.csv] [--certificate CERT.json]`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from steward.dataplane.sdc import DisclosureRules, RulesError, TableError
from steward.dataplane.sdc.cli import atomic_write, protect_csv
from steward.outputs.selectors import agencies, rules_in_effect
from steward.outputs.tables import published_certificate

AUDIT_SECONDS = 1800.0


class Command(BaseCommand):
    help = (
        "Protect a CSV of leaf counts: hide small cells and enough others, round, audit, and "
        "write the published table and its certificate. Without --rules, the rules in force "
        "for the agencies named by --agency (default: the state default) apply."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("table", help="the CSV of counts, one row per finest cell")
        parser.add_argument("--dims", required=True, help="dimension columns, outermost first")
        parser.add_argument("--count", required=True, help="the column of counts")
        parser.add_argument("--rules", help="a YAML file of rules, instead of the database's")
        parser.add_argument(
            "--agency", default="", help="codes of the agencies whose data it holds (e.g. lde)"
        )
        parser.add_argument("--out", help="the protected CSV (default: TABLE.protected.csv)")
        parser.add_argument(
            "--certificate", help="the certificate (default: TABLE.certificate.json)"
        )
        parser.add_argument(
            "--audit-seconds",
            type=float,
            default=AUDIT_SECONDS,
            help=f"time allowed for the LP audit (default {AUDIT_SECONDS:g}); a table whose "
            "audit does not finish in time fails it",
        )

    def handle(self, *args, table: str, dims: str, count: str, **options) -> None:
        source = Path(table)
        if not source.is_file():
            raise CommandError(f"TABLE {table}: no such file")
        dim_list = [d.strip() for d in dims.split(",") if d.strip()]
        if not dim_list:
            raise CommandError("--dims: name at least one dimension column")
        if len(set(dim_list)) != len(dim_list):
            raise CommandError("--dims: a dimension column is named twice")
        if count.strip() in dim_list:
            raise CommandError(f"--count {count!r} is also one of --dims")
        out = Path(options["out"] or source.with_suffix(".protected.csv"))
        cert = Path(options["certificate"] or source.with_suffix(".certificate.json"))
        for flag, path in (("--out", out), ("--certificate", cert)):
            if path.resolve() == source.resolve():
                raise CommandError(f"{flag} {path}: would overwrite the table itself")
            if not path.parent.is_dir():
                raise CommandError(f"{flag} {path}: folder {path.parent} does not exist")
        if out.resolve() == cert.resolve():
            raise CommandError("--out and --certificate name the same file")
        audit_seconds = options["audit_seconds"]
        if not audit_seconds > 0:
            raise CommandError(
                f"--audit-seconds {audit_seconds:g}: give a number of seconds above 0"
            )
        rules, versions, label = self._rules(options["rules"], options["agency"])
        try:
            protection = protect_csv(
                source, out, cert, dim_list, count.strip(), rules, audit_seconds=audit_seconds
            )
        except TableError as error:
            raise CommandError(str(error)) from None
        public = published_certificate(json.loads(cert.read_text(encoding="utf-8")), versions)
        atomic_write(cert, json.dumps(public, indent=2) + "\n")
        primary = int((protection.suppressed & protection.primary).sum())
        verdict = "passed" if protection.audit.passed else "FAILED"
        self.stdout.write(
            f"{protection.table.n_cells} cells, {protection.n_suppressed} hidden ({primary} "
            f"sensitive, {protection.n_suppressed - primary} to protect them); "
            f"{protection.method} method; audit {verdict}; rules: {label}."
        )
        self.stdout.write(f"Wrote {out} and {cert}")
        if public.get("note"):
            self.stdout.write(f"The certificate lists no hidden cell's interval: {public['note']}.")
        if not protection.audit.complete:
            certified = sum(c.passed for c in protection.audit.cells)
            raise CommandError(
                f"the audit did not finish within {audit_seconds:g} s ({certified} of "
                f"{len(protection.audit.cells)} sensitive cells certified): do not release this "
                "table; allow more time with --audit-seconds"
            )
        if not protection.audit.passed:
            raise CommandError("the audit failed: do not release this table")

    def _rules(self, path: str | None, agency_codes: str):
        if path:
            try:
                rules = DisclosureRules.from_yaml(path)
            except FileNotFoundError:
                raise CommandError(f"--rules {path}: no such file") from None
            except (RulesError, TypeError, ValueError, yaml.YAMLError) as error:
                raise CommandError(f"--rules {path}: {error}") from None
            return rules, [{"file": Path(path).name}], f"file {path}"
        codes = [c.strip() for c in agency_codes.split(",") if c.strip()]
        found = {
            code: agencies().filter(code=code).first()
            or agencies().filter(agency_kind=code).first()
            for code in codes
        }
        unknown = [code for code, agency in found.items() if agency is None]
        if unknown:
            known = ", ".join(agencies().values_list("code", flat=True))
            raise CommandError(f"--agency {', '.join(unknown)}: no such agency (known: {known})")
        effect = rules_in_effect(list(found.values()))
        return effect.rules, effect.references, "; ".join(effect.labels)
