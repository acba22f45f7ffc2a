"""Output review: submitting an output (the engine checks each cell first), each checker's
decision, and withdrawal. Release needs two distinct checkers, the project's SEA liaison and a
data steward of a contributing agency, and never the submitter; the second approval records
the table in the ledger through `release_record`, which refuses differencing.

Each service is one transaction with its audit entry; audit summaries carry counts, hashes and
decisions, never a cell's value.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.accounts.models import Organization, User
from steward.agenda.models import Project
from steward.core.audit import audit_record
from steward.dataplane.sdc import check_regression
from steward.outputs.models import Output, OutputCheck, Release
from steward.outputs.review_selectors import checker_slot, contributing_agencies, is_on_project_team
from steward.outputs.sealing import seal, unseal
from steward.outputs.selectors import rules_in_effect
from steward.outputs.services import release_record, table_protect
from steward.outputs.tables import (
    COMPLEMENTARY,
    REASON_TEXT,
    TableInputError,
    protect_table,
    read_table,
)

# Every move an output may make; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    Output.Status.CHECKS_FAILED: frozenset(),
    Output.Status.IN_REVIEW: frozenset(
        {
            Output.Status.CHANGES,
            Output.Status.REJECTED,
            Output.Status.RELEASED,
            Output.Status.WITHDRAWN,
        }
    ),
    Output.Status.CHANGES: frozenset(),
    Output.Status.REJECTED: frozenset(),
    Output.Status.RELEASED: frozenset(),
    Output.Status.WITHDRAWN: frozenset(),
}
RESUBMITTABLE = frozenset({Output.Status.CHECKS_FAILED, Output.Status.CHANGES})
DECISION_STATUS = {
    OutputCheck.Decision.CHANGES: Output.Status.CHANGES,
    OutputCheck.Decision.REJECT: Output.Status.REJECTED,
}
MIN_DESCRIPTION = 40


def _transition(output: Output, new: str, **fields: Any) -> None:
    """Compare-and-swap on the status; someone else may have got there first."""
    old = output.status
    if new not in TRANSITIONS[old]:
        raise ValidationError(f"An output cannot go from “{old}” to “{new}”.")
    now = timezone.now()
    changed = Output.objects.filter(pk=output.pk, status=old).update(
        status=new, status_changed_at=now, **fields
    )
    if changed != 1:
        raise ValidationError("Someone else changed this output first; reload the page.")
    output.status, output.status_changed_at = new, now
    for name, value in fields.items():
        setattr(output, name, value)


def _check_described(title: str, description: str, population: str, data_version: str) -> None:
    problems = {}
    if not title.strip():
        problems["title"] = "Give the output a title."
    if len(description.strip()) < MIN_DESCRIPTION:
        problems["description"] = (
            "Describe the output so that a stranger can follow it: what each part is, how it was "
            f"made (at least {MIN_DESCRIPTION} characters)."
        )
    if not population.strip():
        problems["population"] = "Say who the output counts (the population)."
    if not data_version.strip():
        problems["data_version"] = "Name the data and its version (for example: extract 3, 2024)."
    if problems:
        raise ValidationError(problems)


def _check_previous(previous: Output | None, project: Project) -> int:
    if previous is None:
        return 1
    if previous.project_id != project.pk:
        raise ValidationError("A resubmission replaces an output of the same project.")
    if previous.status not in RESUBMITTABLE:
        raise ValidationError("Only an output stopped by the checks or sent back is resubmitted.")
    if previous.resubmissions.exists():
        raise ValidationError("This output was resubmitted already; resubmit its newest version.")
    return previous.version + 1


def _check_agencies(project: Project, agencies: Sequence[Organization]) -> None:
    if not agencies:
        raise ValidationError({"agencies": "Name the agencies whose data the output holds."})
    known, _source = contributing_agencies(project)
    outside = [a.name for a in agencies if known and a not in known]
    if outside:
        raise ValidationError(
            {"agencies": f"The project holds no data of {', '.join(outside)} under its agreement."}
        )


def _table_content(data: bytes, name: str, dims, count, denominator, rules, refs) -> dict:
    """Protect in memory and mark each cell the engine stops (the primary reasons)."""
    leaf = read_table(data, name=name, dims=dims, count=count, denominator=denominator)
    result = protect_table(leaf, rules, refs)
    values = result.protection.table.flat_values
    rows = [
        {"codes": row["codes"], "value": str(int(values[i]))} for i, row in enumerate(result.rows)
    ]
    unsafe = {
        str(i): ", ".join(REASON_TEXT.get(r, r) for r in reason.split(","))
        for i, reason in result.reasons.items()
        if reason != COMPLEMENTARY
    }
    return {
        "columns": [*leaf.dims, leaf.count],
        "rows": rows,
        "reasons": unsafe,
        "csv": data.decode("utf-8-sig"),
        "protected": result.sealed_payload(),
    }


def _model_content(data: bytes, name: str, residual_dof: int | None, rules) -> dict:
    if residual_dof is None:
        raise ValidationError({"residual_dof": "Give the model's residual degrees of freedom."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{name}: the file is not UTF-8 text") from None
    reader = list(csv.reader(io.StringIO(text)))
    if len(reader) < 2 or not reader[0]:
        raise ValidationError(f"{name}: a header and at least one row of estimates are needed")
    header, body = [h.strip() for h in reader[0]], reader[1:]
    check = check_regression(residual_dof, rules, name="model")
    reasons = {}
    if not check.passed:
        reasons = {str(i): check.cells[0].reasons[0] for i in range(len(body))}
    rows = [{"codes": [c.strip() for c in r[:-1]], "value": r[-1].strip()} for r in body if r]
    return {"columns": header, "rows": rows, "reasons": reasons, "csv": text}


def output_submit(
    *,
    actor: User,
    project: Project,
    kind: str,
    title: str,
    description: str,
    population: str,
    data_version: str,
    data: bytes,
    filename: str,
    agencies: Sequence[Organization],
    dims: Sequence[str] = (),
    count: str = "",
    denominator: str = "",
    residual_dof: int | None = None,
    previous: Output | None = None,
) -> Output:
    """Submit an output for release; the engine checks each cell at once. An output with an
    unsafe cell stops there (the researcher fixes it and resubmits); a safe one goes to the
    checkers."""
    if not is_on_project_team(actor, project):
        raise PermissionDenied("Only the project's principal investigator and team submit outputs.")
    if kind not in Output.Kind.values:
        raise ValidationError({"kind": f"Unknown kind of output {kind!r}."})
    _check_described(title, description, population, data_version)
    version = _check_previous(previous, project)
    _check_agencies(project, agencies)
    effect = rules_in_effect(agencies)
    try:
        if kind == Output.Kind.MODEL:
            content = _model_content(data, filename, residual_dof, effect.rules)
        else:
            content = _table_content(
                data, filename, dims, count, denominator, effect.rules, effect.references
            )
    except TableInputError as error:
        raise ValidationError(str(error)) from None
    unsafe = len(content["reasons"])
    passed = unsafe == 0
    with transaction.atomic():
        output = Output.objects.create(
            project=project,
            previous=previous,
            version=version,
            kind=kind,
            title=title.strip(),
            description=description.strip(),
            population=population.strip(),
            data_version=data_version.strip(),
            filename=filename[:200],
            dims=list(dims),
            count_column=count.strip(),
            denominator_column=denominator.strip(),
            residual_dof=residual_dof,
            rules=effect.rules.to_dict(),
            n_cells=len(content["rows"]),
            n_unsafe=unsafe,
            sha256=hashlib.sha256(data).hexdigest(),
            sealed=seal(content),
            status=Output.Status.IN_REVIEW if passed else Output.Status.CHECKS_FAILED,
            submitted_by=actor,
        )
        output.agencies.set(agencies)
        OutputCheck.objects.create(
            output=output,
            kind=OutputCheck.Kind.ENGINE,
            decision=OutputCheck.Decision.PASSED if passed else OutputCheck.Decision.FAILED,
            reasons=_engine_summary(content, effect.labels),
        )
        audit_record(
            actor=actor,
            action="outputs.output_submit",
            target=output,
            summary={
                "project": project.pk,
                "kind": kind,
                "version": version,
                "previous": previous.pk if previous else None,
                "cells": output.n_cells,
                "unsafe": unsafe,
                "status": output.status,
                "sha256": output.sha256,
            },
        )
    return output


def _engine_summary(content: dict, rule_labels: list[str]) -> str:
    reasons = list(content["reasons"].values())
    rules = "; ".join(rule_labels)
    if not reasons:
        return f"Every cell passes the rules in force ({rules})."
    counted: dict[str, int] = {}
    for reason in reasons:
        counted[reason] = counted.get(reason, 0) + 1
    parts = ", ".join(f"{n} with {why}" for why, n in counted.items())
    return f"{len(reasons)} of {len(content['rows'])} cells are unsafe: {parts} ({rules})."


def output_decide(*, actor: User, output: Output, decision: str, reasons: str) -> Output:
    """One checker's decision. Rejection or a request for changes ends this version; the
    second approval releases it (the ledger may still refuse, and then nothing changes)."""
    if decision not in OutputCheck.HUMAN_DECISIONS:
        raise ValidationError({"decision": f"Unknown decision {decision!r}."})
    if not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for your decision."})
    with transaction.atomic():
        output = (
            Output.objects.select_related("project")
            .select_for_update(of=("self",))
            .get(pk=output.pk)
        )
        slot, why_not = checker_slot(actor, output)
        if not slot:
            raise PermissionDenied(why_not)
        OutputCheck.objects.create(
            output=output,
            kind=slot,
            checker=actor,
            agency=actor.organization if slot == OutputCheck.Kind.STEWARD else None,
            decision=decision,
            reasons=reasons.strip(),
        )
        release = None
        if decision in DECISION_STATUS:
            _transition(output, DECISION_STATUS[decision])
        elif output.checks.filter(decision=OutputCheck.Decision.APPROVE).count() == 2:
            release = _release(actor, output)
            _transition(output, Output.Status.RELEASED, release=release, released_at=timezone.now())
        audit_record(
            actor=actor,
            action="outputs.output_decide",
            target=output,
            summary={
                "checker": slot,
                "decision": decision,
                "status": output.status,
                "release": release.pk if release else None,
            },
        )
    return output


def _release(actor: User, output: Output) -> Release | None:
    """Freeze the approved table in the ledger, protected under the rules in force now."""
    if not output.is_table:
        return None
    content = unseal(output.sealed)
    table = table_protect(
        actor=actor,
        data=content["csv"].encode("utf-8"),
        name=output.filename,
        dims=output.dims,
        count=output.count_column,
        denominator=output.denominator_column,
        agencies=list(output.agencies.all()),
    )
    return release_record(
        actor=actor,
        protected_table=table,
        title=output.title,
        population=output.population,
        source=Release.Source.PROJECT,
        project=output.project,
    )


def output_withdraw(*, actor: User, output: Output, reason: str) -> Output:
    """The submitter (or the PI) takes an output back from the checkers."""
    if actor.pk not in (output.submitted_by_id, output.project.pi_id):
        raise PermissionDenied("Only the submitter or the principal investigator withdraws it.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the output is withdrawn."})
    with transaction.atomic():
        _transition(output, Output.Status.WITHDRAWN)
        audit_record(
            actor=actor,
            action="outputs.output_withdraw",
            target=output,
            summary={"project": output.project_id, "reason": reason.strip()[:500]},
        )
    return output
