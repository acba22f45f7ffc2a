"""The demo's linkage (STORY.md, step 6): Daniel links the SEA's students with the Higher
Education Commission's people, Rosa reviews the first pairs, and the run becomes current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from steward.catalog.selectors import agency_stewards
from steward.linkage.models import LinkageRun
from steward.linkage.services import crosswalk_accept, linkage_run_execute, pair_decide

REVIEWED_IN_DEMO = 3


def linkage_demo_seed(*, stdout: Any, state_dir: Path | None = None) -> LinkageRun | None:
    """Run the demo's linkage once (skipped when a run exists); measured against the truth."""
    if LinkageRun.objects.exists():
        stdout.write("Linkage runs exist already; the demo's linkage is not run again.")
        return None
    state = state_dir or Path(settings.DATA_DIR) / "synth"
    truth = str(state) if (state / "truth").is_dir() else ""
    daniel = agency_stewards("sea")[0]
    rosa = agency_stewards("postsecondary")[0]
    run = linkage_run_execute(
        actor=daniel, from_agency="sea", to_agency="postsecondary", truth=truth
    )
    for pair in run.review_pairs.order_by("position")[:REVIEWED_IN_DEMO]:
        pair_decide(actor=rosa, pair=pair, decision="match" if pair.linked else "non_match")
    crosswalk_accept(actor=daniel, run=run)
    stdout.write(
        f"Linked sea with postsecondary: run {run.pk}, {run.counts['linked_pairs']} links, "
        f"{run.figures['review_queue']} pairs to review."
    )
    return run
