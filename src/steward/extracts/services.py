"""Extracts: building one from an agreement (a job), the privacy officer's release check,
signed time-limited download links, audited downloads with per-recipient fingerprints,
destruction when the agreement ends, and the workspace's queries.

What may be extracted or downloaded comes only from `agreement_grants`. Audit summaries carry
ids, counts, checksums and decisions, never a student-level value. Each service is one
transaction with its audit entry.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from steward.agreements.enforcement import GrantedElement, Grants, agreement_grants
from steward.agreements.models import IN_FORCE, Agreement
from steward.catalog.models import Element
from steward.catalog.services import warehouse
from steward.core.audit import audit_record, audit_record_now
from steward.core.jobs import job_create
from steward.core.models import Job
from steward.dataplane import extract as plane
from steward.dataplane.keys import project_key_id
from steward.extracts import workspace
from steward.extracts.models import Download, Extract, ExtractFile, WorkspaceQuery
from steward.extracts.schedule import refresh_interval

BUILD_JOB = "extracts.build"
LINK_SALT = "steward.extracts.download"
DEFAULT_FORMATS = ("parquet", "csv", "dta", "sav")
COUNT_NAMES = frozenset({"n", "count", "count_star()", "count(*)", "records"})


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def risk_k() -> int:
    return int(_setting("EXTRACT_RISK_K", 5))


def risk_limit() -> float:
    return float(_setting("EXTRACT_RISK_MAX_SHARE", 0.05))


def link_seconds() -> int:
    return int(_setting("EXTRACT_LINK_SECONDS", 15 * 60))


# Who may ------------------------------------------------------------------------------------


def is_liaison_of(user: Any, agreement: Agreement) -> bool:
    return getattr(user, "pk", None) is not None and agreement.project.liaison_id == user.pk


def is_privacy_officer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role("privacy_officer"))


def recipient_grants(user: Any, extract: Extract, at: datetime | None = None) -> Grants:
    """What `user` may receive of this extract now: the grants of its agreement, or nothing
    (also nothing once the agreement has expired or closed, whatever its dates say)."""
    if extract.agreement.status not in IN_FORCE:
        return Grants()
    grants = agreement_grants(user, extract.project, at)
    reference = extract.agreement.reference
    items = tuple(item for item in grants.items if item.agreement == reference)
    return Grants(items, grants.matching_allowed, (reference,) if items else ())


def _file_granted(grants: Grants, extract_file: ExtractFile) -> bool:
    return any(
        (item.dataset == extract_file.dataset and _agency_code(item) == extract_file.agency)
        for item in grants.items
    )


def _agency_code(item: GrantedElement) -> str:
    # The grant names the agency's organization; the warehouse folder is the catalog's code.
    return (
        Element.objects.filter(pk=item.element_id)
        .values_list("dataset__agency_code", flat=True)
        .first()
        or ""
    )


# Building -----------------------------------------------------------------------------------


def _grants_to_build(agreement: Agreement) -> tuple[GrantedElement, ...]:
    """The agreement's grants as someone named on it may receive them now; none otherwise."""
    version = agreement.versions.filter(status="effective").order_by("-number").first()
    if version is None:
        return ()
    for person in version.people.select_related("user"):
        grants = agreement_grants(person.user, agreement.project)
        items = tuple(i for i in grants.items if i.agreement == agreement.reference)
        if items:
            return items
    return ()


def extract_build(
    *, actor: Any, agreement: Agreement, formats: list[str] | tuple[str, ...] = DEFAULT_FORMATS
) -> Extract:
    """Queue a new version of the project's extract from what the agreement grants."""
    if not is_liaison_of(actor, agreement):
        raise PermissionDenied("Only the project's research liaison builds its extracts.")
    if agreement.status not in IN_FORCE:
        raise ValidationError("Only an agreement in force can have an extract built.")
    unknown = [f for f in formats if f not in plane.FORMATS]
    if unknown or not formats:
        raise ValidationError(f"Choose formats among {', '.join(plane.FORMATS)}.")
    if not _grants_to_build(agreement):
        raise ValidationError(
            "No one named on the agreement may receive data now (signatures, acceptance or "
            "training are missing), so nothing is built."
        )
    with transaction.atomic():
        Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
        number = (agreement.extracts.aggregate(m=Max("number"))["m"] or 0) + 1
        extract = Extract.objects.create(
            agreement=agreement,
            project=agreement.project,
            number=number,
            formats=list(dict.fromkeys(formats)),
            created_by=actor,
            risk_k=risk_k(),
            risk_limit=risk_limit(),
        )
        # The job's entry in the audit log records this request; the build records its result.
        extract.job = job_create(actor=actor, kind=BUILD_JOB, params={"extract": extract.pk})
        extract.save(update_fields=["job"])
    return extract


def _variables(items: tuple[GrantedElement, ...]) -> tuple[plane.Variable, ...]:
    elements = Element.objects.select_related("dataset").in_bulk([i.element_id for i in items])
    variables = []
    for item in items:
        element = elements[item.element_id]
        codes = tuple((str(k), str(v)) for k, v in (element.codes or {}).items())
        variables.append(
            plane.Variable(
                agency=element.dataset.agency_code,
                dataset=element.dataset.code,
                element=element.name,
                first_year=item.first_year,
                last_year=item.last_year,
                label=element.label,
                definition=element.definition,
                type=element.type,
                identifier=element.identifier_kind,
                codes=codes,
                unit=element.unit,
                required=element.required,
                population=plane.Population.from_text(
                    item.grades, item.cohorts, item.schools_or_districts
                ),
            )
        )
    return tuple(variables)


def _crosswalk(agreement: Agreement, variables: tuple[plane.Variable, ...]) -> Any:
    others = sorted({v.agency for v in variables} - {plane.SEA})
    version = agreement.versions.filter(status="effective").order_by("-number").first()
    if not others or version is None or not version.matching_authorized:
        return None
    import pyarrow as pa

    from steward.dataplane.keys import LocalKeyFile
    from steward.dataplane.linkage.crosswalk import read_crosswalk
    from steward.linkage.services import current_crosswalk_run

    parts = []
    for other in others:
        run = current_crosswalk_run(plane.SEA, other)
        parts.append(read_crosswalk(settings.DATA_DIR, LocalKeyFile(settings.KEY_FILE), run.key))
    return pa.concat_tables(parts)


def pseudonym_key(project: Any) -> bytes:
    """The project's pseudonym key from the key service (made on first use)."""
    keys = warehouse().keys
    return keys.create_key(project_key_id(f"project-{project.pk}"))


def extract_build_run(extract: Extract, step: Any = None) -> Extract:
    """Build the extract's files (the job's work): spec from the grants, files, codebook, risk."""
    items = _grants_to_build(extract.agreement)
    if not items:
        raise plane.ExtractError("no one named on the agreement may receive data now")
    variables = _variables(items)
    spec = plane.ExtractSpec(
        project=extract.project_folder,
        extract=extract.folder_name,
        variables=variables,
        crosswalk=_crosswalk(extract.agreement, variables),
    )
    store = warehouse()
    built = plane.build_extract(
        spec, warehouse=store, pseudonym_key=pseudonym_key(extract.project), progress=step
    )
    plane.write_codebook(spec, built, title=f"{extract.reference}: {extract.project.title}")
    risks = []
    for table in built.tables:
        wanted = [v for v in variables if v.table == table.name]
        data = plane.read_extract_table(store, table.path)
        risk = plane.risk_check(data, table.name, plane.quasi_columns(wanted), extract.risk_k)
        risks.append(risk.to_dict())
    share = max((r["share"] for r in risks), default=0.0)
    status = Extract.Status.RISK_REVIEW if share > extract.risk_limit else Extract.Status.READY
    root = Path(settings.DATA_DIR).absolute()
    with transaction.atomic():
        for table in built.tables:
            ExtractFile.objects.create(
                extract=extract,
                name=table.name,
                agency=table.agency,
                dataset=table.dataset,
                path=str(Path(table.path).relative_to(root)),
                rows=table.rows,
                columns=table.columns,
                years=table.years,
                missing_years=table.missing_years,
                dropped=table.dropped,
                population=table.population,
                sha256=table.sha256,
                bytes=table.bytes,
            )
        extract.status = status
        extract.built_at = timezone.now()
        extract.rows = built.rows
        extract.risk = risks
        extract.risk_share = share
        extract.grants = [
            {
                "agency": v.agency,
                "dataset": v.dataset,
                "element": v.element,
                "years": f"{v.first_year}-{v.last_year}",
            }
            for v in variables
        ]
        extract.save()
        audit_record(
            actor=extract.created_by,
            action="extracts.built",
            target=extract,
            summary={
                "agreement": extract.agreement_id,
                "files": len(built.tables),
                "rows": built.rows,
                "status": status,
                "share_small_per_mille": round(share * 1000),
            },
        )
    return extract


def extract_build_failed(extract: Extract, message: str) -> None:
    with transaction.atomic():
        Extract.objects.filter(pk=extract.pk, status=Extract.Status.BUILDING).update(
            status=Extract.Status.FAILED, error=message[:500]
        )
        audit_record(actor=extract.created_by, action="extracts.build_failed", target=extract)


# The release check --------------------------------------------------------------------------


def extract_risk_decide(*, actor: Any, extract: Extract, decision: str, note: str = "") -> Extract:
    """The privacy officer approves a risky extract's release, or asks for coarsening."""
    if not is_privacy_officer(actor):
        raise PermissionDenied("Only the privacy officer decides on a risky extract.")
    if decision not in ("approve", "coarsen"):
        raise ValidationError("Decide approve or coarsen.")
    if decision == "coarsen" and not note.strip():
        raise ValidationError("Say what to coarsen (for example school to district).")
    new = Extract.Status.READY if decision == "approve" else Extract.Status.COARSEN
    with transaction.atomic():
        moved = Extract.objects.filter(pk=extract.pk, status=Extract.Status.RISK_REVIEW).update(
            status=new, decided_by=actor, decided_at=timezone.now(), decision_note=note.strip()
        )
        if moved != 1:
            raise ValidationError("This extract is not waiting for a release decision.")
        audit_record(
            actor=actor, action=f"extracts.risk_{decision}", target=extract, summary={"status": new}
        )
    if new == Extract.Status.COARSEN:
        _delete_files(extract)
    extract.refresh_from_db()
    return extract


# Delivery -----------------------------------------------------------------------------------


def download_link(*, actor: Any, extract_file: ExtractFile, fmt: str) -> str:
    """A signed token for one person's download of one file in one format (time-limited)."""
    extract = extract_file.extract
    if fmt not in extract.formats:
        raise ValidationError(f"This extract is delivered in {', '.join(extract.formats)}.")
    if extract.status != Extract.Status.READY or extract_file.destroyed_at:
        raise ValidationError("This extract is not available for download.")
    if not _file_granted(recipient_grants(actor, extract), extract_file):
        raise PermissionDenied("Only researchers named on the agreement, trained and bound by it.")
    return signing.dumps({"f": extract_file.pk, "u": actor.pk, "x": fmt}, salt=LINK_SALT)


@dataclass(frozen=True)
class Delivered:
    filename: str
    media_type: str
    data: bytes
    download: Download


def read_link(token: str) -> dict:
    """The link's contents, or ValidationError when it is forged or older than its limit."""
    try:
        return signing.loads(token, salt=LINK_SALT, max_age=link_seconds())
    except signing.SignatureExpired:
        raise ValidationError("This download link has expired; ask for a new one.") from None
    except signing.BadSignature:
        raise ValidationError("This download link is not valid.") from None


def fingerprint_seed(project: Any, user: Any) -> bytes:
    """The secret that orders one recipient's copies (derived from the project's key)."""
    return hmac.new(pseudonym_key(project), f"fingerprint:{user.pk}".encode(), "sha256").digest()


def fingerprint_code(project: Any, user: Any) -> str:
    return hashlib.sha256(fingerprint_seed(project, user)).hexdigest()[:12]


def extract_download(*, actor: Any, extract_file: ExtractFile, fmt: str) -> Delivered:
    """Make the actor's fingerprinted copy in memory and record the download; a refusal (the
    agreement ended, training lapsed, the file destroyed) is recorded and raised."""
    extract = extract_file.extract
    reason = ""
    if extract_file.destroyed_at or extract.status == Extract.Status.DESTROYED:
        reason = "The extract's files were destroyed when the agreement ended."
    elif extract.status != Extract.Status.READY:
        reason = "This extract is not released for download."
    elif not _file_granted(recipient_grants(actor, extract), extract_file):
        reason = "The agreement does not let you receive this file now."
    if reason:
        download = Download.objects.create(
            file=extract_file,
            user=actor,
            format=fmt,
            outcome=Download.Outcome.REFUSED,
            reason=reason,
        )
        audit_record_now(
            actor=actor,
            action="extracts.download_refused",
            target=download,
            summary={"file": extract_file.pk, "format": fmt},
        )
        raise PermissionDenied(reason)
    store = warehouse()
    table = plane.read_extract_table(store, Path(settings.DATA_DIR) / extract_file.path)
    code = fingerprint_code(extract.project, actor)
    variables = _variables(recipient_grants(actor, extract).items)
    data = plane.deliver(
        table,
        fmt,
        variables=variables,
        seed=fingerprint_seed(extract.project, actor),
        fingerprint=code,
        title=f"{extract.reference} {extract_file.name}",
    )
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        download = Download.objects.create(
            file=extract_file,
            user=actor,
            format=fmt,
            outcome=Download.Outcome.DELIVERED,
            sha256=digest,
            bytes=len(data),
            fingerprint=code,
        )
        audit_record(
            actor=actor,
            action="extracts.downloaded",
            target=download,
            summary={"file": extract_file.pk, "format": fmt, "sha256": digest, "copy": code},
        )
    return Delivered(
        f"{extract.reference}-{extract_file.name}.{fmt}", plane.MEDIA_TYPES[fmt], data, download
    )


TRACE_MIN_PEOPLE = 20  # fewer people than this cannot tell one recipient's order from chance
TRACE_MATCH = 0.9  # the recipient's own copy scores about 1.0; anyone else's about 0.5


def trace_max_bytes() -> int:
    return int(_setting("EXTRACT_TRACE_MAX_BYTES", 50 * 1024 * 1024))


def _trace_candidates(extract: Extract) -> list[Any]:
    """Everyone who received a copy of any of the project's extracts (one key per project)."""
    downloads = Download.objects.filter(
        file__extract__project=extract.project, outcome=Download.Outcome.DELIVERED
    ).select_related("user")
    return list({d.user_id: d.user for d in downloads}.values())


def extract_trace(*, actor: Any, extract: Extract, leaked: Any) -> dict[str, float]:
    """The privacy officer's tracing of a leaked file (a table with person_id) to a recipient."""
    if not is_privacy_officer(actor):
        raise PermissionDenied("Only the privacy officer traces a leaked file.")
    seeds = {u.email: fingerprint_seed(extract.project, u) for u in _trace_candidates(extract)}
    scores = plane.fingerprint_trace(leaked, seeds)
    audit_record_now(
        actor=actor,
        action="extracts.traced",
        target=extract,
        summary={"candidates": len(seeds)},
    )
    return scores


@dataclass(frozen=True)
class TraceCandidate:
    user: Any
    score: float


@dataclass(frozen=True)
class Trace:
    """What a leaked file's rows say: each recipient's score, best first, and the match."""

    rows: int
    people: int
    sha256: str
    candidates: list[TraceCandidate]
    match: Any = None
    reason: str = ""


def read_leaked_file(data: bytes, filename: str) -> Any:
    """The leaked file's table, read in memory (CSV or Parquet); ValidationError otherwise."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    suffix = Path(filename or "").suffix.lower()
    try:
        if suffix == ".parquet":
            table = pq.read_table(io.BytesIO(data))
        elif suffix == ".csv":
            options = pacsv.ConvertOptions(column_types={plane.PERSON_ID: pa.string()})
            table = pacsv.read_csv(io.BytesIO(data), convert_options=options)
        else:
            raise ValidationError("Upload the leaked file as CSV (.csv) or Parquet (.parquet).")
    except (pa.ArrowException, OSError):
        # The parser's message may quote the file's contents: it is not shown or kept.
        raise ValidationError(
            "The file could not be read as CSV or Parquet (an encrypted platform copy cannot "
            "be traced; trace the copy that was found)."
        ) from None
    if plane.PERSON_ID not in table.column_names:
        raise ValidationError(
            f"The file has no {plane.PERSON_ID} column, so it cannot be traced to a recipient."
        )
    return table.select([plane.PERSON_ID])


def extract_trace_upload(*, actor: Any, extract: Extract, data: bytes, filename: str) -> Trace:
    """Trace an uploaded leaked file, read in memory and never kept: each recipient's score,
    and the one it matches when a score reaches `TRACE_MATCH`. Audited, with the file's
    checksum and the outcome (no row of it)."""
    if not is_privacy_officer(actor):
        raise PermissionDenied("Only the privacy officer traces a leaked file.")
    if len(data) > trace_max_bytes():
        raise ValidationError(
            f"The file is larger than the {trace_max_bytes() // (1024 * 1024)} MB limit."
        )
    digest = hashlib.sha256(data).hexdigest()
    table = read_leaked_file(data, filename)
    del data
    people = table.column(plane.PERSON_ID).drop_null()
    distinct = len(people.unique())
    users = _trace_candidates(extract)
    seeds = {str(u.pk): fingerprint_seed(extract.project, u) for u in users}
    scores = plane.fingerprint_trace(table.drop_null(), seeds) if seeds else {}
    ranked = sorted((TraceCandidate(u, scores[str(u.pk)]) for u in users), key=lambda c: -c.score)
    match, reason = None, ""
    if not users:
        reason = "No one has downloaded a copy of this project's extracts."
    elif distinct < TRACE_MIN_PEOPLE:
        reason = f"The file holds {distinct} people; at least {TRACE_MIN_PEOPLE} are needed."
    elif ranked[0].score >= TRACE_MATCH:
        match = ranked[0].user
    else:
        reason = "No recipient's order explains the file: it matches no one's copy."
    audit_record_now(
        actor=actor,
        action="extracts.traced",
        target=extract,
        summary={
            "candidates": len(users),
            "rows": table.num_rows,
            "sha256": digest,
            "matched": match.pk if match else None,
            "score_per_mille": round(ranked[0].score * 1000) if ranked else None,
        },
    )
    return Trace(table.num_rows, distinct, digest, ranked, match, reason)


# Destruction --------------------------------------------------------------------------------


def _delete_files(extract: Extract) -> int:
    removed = 0
    root = Path(settings.DATA_DIR)
    for extract_file in extract.files.filter(destroyed_at__isnull=True):
        (root / extract_file.path).unlink(missing_ok=True)
        removed += 1
    ExtractFile.objects.filter(extract=extract, destroyed_at__isnull=True).update(
        destroyed_at=timezone.now()
    )
    return removed


def extracts_daily(*, at: datetime | None = None) -> list[Extract]:
    """Destroy the platform's copies of every extract whose agreement is no longer in force."""
    at = at or timezone.now()
    due = Extract.objects.exclude(status=Extract.Status.DESTROYED).exclude(
        agreement__status__in=IN_FORCE
    )
    destroyed = []
    for extract in due.select_related("agreement"):
        removed = _delete_files(extract)
        with transaction.atomic():
            moved = (
                Extract.objects.filter(pk=extract.pk)
                .exclude(status=Extract.Status.DESTROYED)
                .update(status=Extract.Status.DESTROYED, destroyed_at=at)
            )
            if moved:
                audit_record(
                    actor=None,
                    action="extracts.destroyed",
                    target=extract,
                    summary={"files": removed, "agreement": extract.agreement_id},
                )
                destroyed.append(extract)
    return destroyed


# Scheduled refreshes ------------------------------------------------------------------------


def refresh_due_on(agreement: Agreement) -> date | None:
    """The day the agreement's next scheduled refresh is due, or None: no schedule it names,
    no version built yet (the first is the liaison's), or the latest is not ready (a build
    under way, a release decision pending, coarsening asked, a failure a person must see)."""
    version = agreement.versions.filter(status="effective").order_by("-number").first()
    interval = refresh_interval(version.refresh_schedule) if version else None
    latest = agreement.extracts.order_by("-number").first()
    if interval is None or latest is None or latest.status != Extract.Status.READY:
        return None
    return interval.after(timezone.localdate(latest.created_at))


def extracts_refresh(*, at: datetime | None = None) -> list[Extract]:
    """Queue a new version of each extract whose agreement's refresh is due: same formats, the
    same project key (so the same pseudonyms), built by the job and checked like the first.
    Agreements that ended, or whose end date has passed, are not refreshed."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    queued = []
    agreements = Agreement.objects.filter(status__in=IN_FORCE, extracts__isnull=False).distinct()
    for agreement in agreements.select_related("project__liaison"):
        version = agreement.versions.filter(status="effective").order_by("-number").first()
        if version is None or (version.ends_on and version.ends_on < today):
            continue
        due = refresh_due_on(agreement)
        if due is None or due > today or not _grants_to_build(agreement):
            continue
        extract = _refresh_queue(agreement, schedule=version.refresh_schedule, at=at)
        if extract is not None:
            queued.append(extract)
    return queued


def _refresh_queue(agreement: Agreement, *, schedule: str, at: datetime) -> Extract | None:
    with transaction.atomic():
        Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
        latest = agreement.extracts.order_by("-number").first()
        if latest is None or latest.status != Extract.Status.READY:
            return None  # someone got there first
        extract = Extract.objects.create(
            agreement=agreement,
            project=agreement.project,
            number=latest.number + 1,
            formats=list(latest.formats),
            created_by=agreement.project.liaison,
            created_at=at,
            risk_k=risk_k(),
            risk_limit=risk_limit(),
        )
        extract.job = job_create(actor=None, kind=BUILD_JOB, params={"extract": extract.pk})
        extract.save(update_fields=["job"])
        audit_record(
            actor=None,
            action="extracts.refresh_queued",
            target=extract,
            summary={
                "agreement": agreement.pk,
                "previous": latest.pk,
                "number": extract.number,
                "interval": refresh_interval(schedule).describe(),
            },
        )
    return extract


# The workspace ------------------------------------------------------------------------------


def _workspace_tables(extract: Extract) -> dict[str, Any]:
    store = warehouse()
    root = Path(settings.DATA_DIR)
    return {
        f.name: plane.read_extract_table(store, root / f.path)
        for f in extract.files.filter(destroyed_at__isnull=True)
    }


def workspace_query(*, actor: Any, extract: Extract, sql: str) -> WorkspaceQuery:
    """Run one query for a named researcher; keep it, with what was shown or why not."""
    if extract.status != Extract.Status.READY:
        raise ValidationError("The workspace opens once the extract is ready.")
    if not recipient_grants(actor, extract):
        raise PermissionDenied("Only researchers named on the agreement use its workspace.")
    from steward.accounts.models import Organization
    from steward.outputs.selectors import rules_in_effect

    agencies = Organization.objects.filter(
        datasets__agency_code__in={f.agency for f in extract.files.all()}
    ).distinct()
    rules = rules_in_effect(agencies).rules
    limits = workspace.Limits(
        memory=_setting("WORKSPACE_MEMORY_LIMIT", "512MB"),
        seconds=float(_setting("WORKSPACE_SECONDS", 20)),
    )
    verdict = workspace.run_query(sql, _workspace_tables(extract), rules, limits)
    digest = hashlib.sha256(sql.encode()).hexdigest()
    with transaction.atomic():
        query = WorkspaceQuery.objects.create(
            extract=extract,
            user=actor,
            sql=sql[: workspace.MAX_SQL],
            sql_sha256=digest,
            outcome=verdict.outcome,
            reasons=verdict.reasons,
            columns=verdict.columns,
            rows=verdict.rows if verdict.shown else [],
            counts=verdict.counts if verdict.shown else [],
        )
        audit_record(
            actor=actor,
            action="extracts.workspace_query",
            target=query,
            summary={"extract": extract.pk, "outcome": verdict.outcome, "sql_sha256": digest},
        )
    return query


def workspace_result_submit(
    *, actor: Any, query: WorkspaceQuery, title: str, description: str, population: str
) -> Any:
    """Send a shown result to output review as a table of counts (its rows and their counts)."""
    if query.user_id != actor.pk or query.outcome != WorkspaceQuery.Outcome.SHOWN:
        raise ValidationError("Only a result you ran and that passed the checks can be sent.")
    import csv
    import io

    from steward.outputs.models import Output
    from steward.outputs.review_services import output_submit

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The table's cells are the engine's own counts; the researcher's count columns are dropped.
    keep = [i for i, c in enumerate(query.columns) if c.lower() not in COUNT_NAMES]
    dims = [query.columns[i] for i in keep]
    writer.writerow([*dims, "records"])
    for row, n in zip(query.rows, query.counts, strict=True):
        writer.writerow([*(row[i] for i in keep), n])
    extract = query.extract
    from steward.accounts.models import Organization

    agencies = list(
        Organization.objects.filter(
            datasets__agency_code__in={f.agency for f in extract.files.all()}
        ).distinct()
    )
    output = output_submit(
        actor=actor,
        project=extract.project,
        kind=Output.Kind.TABLE,
        title=title,
        description=description,
        population=population,
        data_version=f"{extract.reference}, built {extract.built_at:%Y-%m-%d}",
        data=buffer.getvalue().encode(),
        filename=f"workspace-query-{query.pk}.csv",
        agencies=agencies,
        dims=dims,
        count="records",
    )
    WorkspaceQuery.objects.filter(pk=query.pk).update(output=output)
    return output


def job_for(extract: Extract) -> Job | None:
    return extract.job
