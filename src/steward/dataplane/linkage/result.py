"""What a linkage run is told (LinkageConfig) and what it gives back (LinkageResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

from .dialect import dialect_for

Verdict = Literal["match", "non_match"]
Decision = tuple[str, str, Verdict]

PAIR_SCHEMA = pa.schema(
    [
        ("sea_id", pa.string()),
        ("other_id", pa.string()),
        ("match_probability", pa.float64()),
        ("match_weight", pa.float64()),
        ("source", pa.string()),  # "model" or "decision"
    ]
)
CROSSWALK_SCHEMA = pa.schema(
    [("agency", pa.string()), ("agency_id", pa.string()), ("master_id", pa.string())]
)


@dataclass(frozen=True)
class LinkageConfig:
    """How to link the SEA's students to one other agency's people."""

    other_agency: str = "postsecondary"
    threshold: float = 0.9  # match probability at or above which a pair links
    candidate_floor: float = 0.01  # pairs below this are not kept, not even for review
    u_max_pairs: float = 2e6  # random pairs sampled to estimate u
    deterministic_recall: float = 0.8  # assumed recall of exact name+date agreement (lambda)
    min_labels: int = 20  # match decisions needed before they are used to estimate m
    seed: int = 0
    histogram_bins: int = 40
    backend: str = "duckdb"  # where Splink runs (clear text): "duckdb" or "spark"

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError("threshold must lie strictly between 0 and 1")
        if not 0 < self.candidate_floor <= self.threshold:
            raise ValueError("candidate_floor must lie in (0, threshold]")
        if not 0 < self.deterministic_recall <= 1:
            raise ValueError("deterministic_recall must lie in (0, 1]")
        dialect_for(self.backend)  # refuses an unknown backend


@dataclass
class Diagnostics:
    """How the model and the run behaved, without a single student-level value."""

    method: str  # "splink" (clear text) or "fellegi-sunter-bloom" (privacy-preserving)
    parameters: list[dict]  # comparison, level, m, u, match_weight per comparison level
    histogram: list[dict]  # bin_low, bin_high, count over every blocked pair's match weight
    blocking: list[dict]  # per blocking rule: marginal and cumulative comparison counts
    counts: dict[str, int] = field(default_factory=dict)
    threshold: float = 0.9


@dataclass
class LinkageResult:
    """Accepted one-to-one links, the scored candidates, the crosswalk and diagnostics."""

    pairs: pa.Table  # PAIR_SCHEMA, one-to-one, at or above the threshold or forced
    candidates: pa.Table  # every scored pair above the floor, with a ``linked`` flag
    crosswalk: pa.Table  # CROSSWALK_SCHEMA: every person of both agencies -> master id
    diagnostics: Diagnostics
    config: LinkageConfig
