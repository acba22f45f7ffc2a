"""The demo's disclosure control (STORY.md, steps 7-8): Priya sets the state's rules and the
Higher Education Commission's stricter ones; Maya protects the SEA's own report of grade 3-4
enrollment in the northern district and records it in the ledger."""

from __future__ import annotations

from typing import Any

from steward.accounts.models import User
from steward.outputs.models import DisclosureRuleSet, Release
from steward.outputs.selectors import agencies
from steward.outputs.services import release_record, rule_set_update, table_protect

NORTH_REPORT = """district,school,grade,n
Northern Lakes,Pine Hollow,3,31
Northern Lakes,Pine Hollow,4,27
Northern Lakes,Birch Lake,3,4
Northern Lakes,Birch Lake,4,12
Northern Lakes,Elk River,3,18
Northern Lakes,Elk River,4,22
Iron Range,Iron Range,3,14
Iron Range,Iron Range,4,16
"""


def outputs_demo_seed(*, stdout: Any) -> Release | None:
    """Rules and one released report (skipped when rules exist already)."""
    if DisclosureRuleSet.objects.exists():
        stdout.write("Disclosure rules exist already; the demo's rules are not set again.")
        return None
    priya = User.objects.get(email="priya@demo.steward.test")
    maya = User.objects.get(email="maya@demo.steward.test")
    rule_set_update(actor=priya, agency=None, values={}, note="The Board's rules of 2026.")
    college = agencies().get(agency_kind="postsecondary")
    rule_set_update(
        actor=priya,
        agency=college,
        values={"threshold": 16},
        note="Small colleges: the commission counts no group below 16.",
    )
    table = table_protect(
        actor=maya,
        data=NORTH_REPORT.encode(),
        name="north-grade3-4-2024.csv",
        dims=["district", "school", "grade"],
        count="n",
        agencies=[agencies().get(agency_kind="sea")],
    )
    release = release_record(
        actor=maya,
        protected_table=table,
        title="Grade 3-4 enrollment in the north, fall 2024",
        population="Enrollment, fall 2024, grades 3-4",
        source=Release.Source.SEA_REPORT,
    )
    stdout.write(
        f"Disclosure rules set; release {release.pk}: {table.n_cells} cells, "
        f"{table.n_suppressed} hidden."
    )
    return release
