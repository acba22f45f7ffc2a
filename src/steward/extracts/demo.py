"""The demo's extract (STORY.md, step 6): Maya builds the de-identified extract of Dr. Ortiz's
active agreement, with project pseudonyms and the crosswalk to the college commission; Priya
records her release decision when the check finds rare combinations, so that Dr. Ortiz and Ben
find a ready extract to download and a workspace to query."""

from __future__ import annotations

from typing import Any

from steward.accounts.models import User
from steward.agreements.models import IN_FORCE, Agreement
from steward.core.jobs import job_run
from steward.core.personas import PERSONAS_BY_KEY
from steward.extracts.models import Extract
from steward.extracts.services import DEFAULT_FORMATS, extract_build, extract_risk_decide

DECISION_NOTE = (
    "The rare combinations are students of small northern schools; the extract stays with the "
    "two named researchers, who publish only through output review. Approved as built."
)


def _persona(key: str) -> User:
    return User.objects.get(email=PERSONAS_BY_KEY[key].email)


def story_agreement() -> Agreement | None:
    """Dr. Ortiz's agreement in force, for the story's project (None before it is seeded)."""
    from steward.agenda.demo import STORY_PROJECT

    return (
        Agreement.objects.filter(project__title=STORY_PROJECT, status__in=IN_FORCE)
        .select_related("project")
        .order_by("pk")
        .first()
    )


def extracts_demo_seed(*, stdout: Any) -> Extract | None:
    """Build and release the story's extract once (skipped when any extract exists)."""
    if Extract.objects.exists():
        stdout.write("Extracts exist already; the demo's extract is not built again.")
        return None
    agreement = story_agreement()
    if agreement is None:
        stdout.write("No agreement in force for the story's project; no extract is built.")
        return None
    maya = _persona("maya")
    extract = extract_build(actor=maya, agreement=agreement, formats=DEFAULT_FORMATS)
    job = job_run(extract.job)  # here and now: the demo opens on a built extract
    extract.refresh_from_db()
    if job.status != "succeeded":
        stdout.write(f"The demo's extract {extract.reference} failed to build: {job.error}")
        return extract
    if extract.status == Extract.Status.RISK_REVIEW:
        extract = extract_risk_decide(
            actor=_persona("priya"), extract=extract, decision="approve", note=DECISION_NOTE
        )
    stdout.write(
        f"Extract {extract.reference}: {extract.get_status_display()}; "
        f"{extract.files.count()} file(s), {extract.rows:,} rows; largest share in small "
        f"classes {extract.risk_share:.1%}."
    )
    return extract
