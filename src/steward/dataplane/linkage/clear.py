"""Clear-text linkage of the SEA's students to another agency's people with Splink.

Splink runs on DuckDB in this process or, with ``LinkageConfig(backend="spark")``, on Spark
(``steward[spark]``); both give the same result type.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pyarrow as pa

from . import splink_model
from .assign import check_decisions
from .backends import database_api
from .finish import check_decision_ids, check_people, finish, level_record
from .prepare import comparison_table
from .result import Decision, Diagnostics, LinkageConfig, LinkageResult


def link(
    sea: pa.Table,
    other: pa.Table,
    *,
    config: LinkageConfig | None = None,
    decisions: Iterable[Decision] = (),
) -> LinkageResult:
    """Link one record per SEA student to one record per person of another agency.

    Both tables come from ``person_records``. ``decisions`` are reviewers' verdicts from an
    earlier run: forced in or out, and, when there are enough matches, labels for m.
    """
    config = config or LinkageConfig()
    sea_ids, other_ids = check_people(sea, "SEA"), check_people(other, "other agency")
    matches, non_matches = check_decisions(decisions)
    check_decision_ids(matches, sea_ids, other_ids)
    sea_c, other_c = comparison_table(sea), comparison_table(other)
    with_sex = _both_have(sea_c, other_c, "sex")
    if not with_sex:
        sea_c, other_c = _drop(sea_c, "sex"), _drop(other_c, "sex")
    use_labels = len(matches) >= config.min_labels
    with _quiet_splink():
        blocking = splink_model.count_blocked_comparisons(sea_c, other_c, with_sex=with_sex)
        with database_api(config.backend) as db_api:
            linker = splink_model.build_linker(
                sea_c, other_c, with_sex=with_sex, db_api=db_api, backend=config.backend
            )
            sessions, defaulted = splink_model.train(
                linker,
                u_max_pairs=config.u_max_pairs,
                seed=config.seed,
                labels=_labels(matches) if use_labels else None,
                deterministic_recall=config.deterministic_recall,
                # Spark runs each chunk as jobs of its own; in one, the cluster shares the work.
                u_chunks=1 if config.backend == "spark" else 10,
            )
            scored = splink_model.predict(
                linker, floor=config.candidate_floor, bins=config.histogram_bins
            )
            parameters = _parameters(linker, defaulted)
    diagnostics = Diagnostics(
        method="splink",
        parameters=parameters,
        histogram=scored.histogram,
        blocking=blocking,
        counts={
            "blocked_pairs": scored.blocked_pairs,
            "em_sessions": sessions,
            "m_defaulted_levels": len(defaulted),
            "labelled_pairs_used": len(matches) if use_labels else 0,
            "sex_compared": int(with_sex),
        },
    )
    return finish(
        sea_ids=sea_ids,
        other_ids=other_ids,
        candidates=scored.candidates,
        decisions=(matches, non_matches),
        config=config,
        diagnostics=diagnostics,
    )


def _both_have(a: pa.Table, b: pa.Table, column: str) -> bool:
    return all(column in t.column_names and t[column].null_count < t.num_rows for t in (a, b))


def _drop(table: pa.Table, column: str) -> pa.Table:
    return table.drop_columns([column]) if column in table.column_names else table


def _labels(matches: set) -> pa.Table:
    pairs = sorted(matches)
    return pa.table(
        {
            "source_dataset_l": [splink_model.SEA_ALIAS] * len(pairs),
            "person_id_l": [p[0] for p in pairs],
            "source_dataset_r": [splink_model.OTHER_ALIAS] * len(pairs),
            "person_id_r": [p[1] for p in pairs],
        }
    )


def _parameters(linker, defaulted: list) -> list[dict]:
    # Each row says where its m came from: EM (or labels), or what EM fell back to.
    fallback = {(d.comparison, d.level): d.source for d in defaulted}
    model = linker.misc.save_model_to_json()
    rows = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            name = comparison["output_column_name"]
            label = level.get("label_for_charts", level["sql_condition"])
            row = level_record(name, label, level.get("m_probability"), level.get("u_probability"))
            row["m_source"] = fallback.get((name, label), "estimated")
            if row["m_source"] == "neutral":
                # m = u (Splink's stand-in u, as it scores): sampling never met the level.
                row["u"], row["match_weight"] = row["m"], 0.0
            rows.append(row)
    return rows


class _quiet_splink:
    """Splink logs its training at INFO and WARNING; a run's report carries what matters."""

    def __enter__(self) -> None:
        self._logger = logging.getLogger("splink")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self._logger.setLevel(self._level)
