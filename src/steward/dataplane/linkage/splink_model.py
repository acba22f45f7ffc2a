"""The clear-text model: Splink 5 on DuckDB or Spark, comparisons fit for hand-keyed records.

Comparisons tolerate what the records get wrong: typos and transpositions in names
(Damerau-Levenshtein and Jaro-Winkler levels), nicknames (a name-variant level built with the
``nicknames`` package), hyphenated or changed last names, birth dates with swapped day and
month or a one-digit slip, and missing values (null levels, which weigh nothing). The few
fragments of SQL that DuckDB and Spark spell differently come from ``dialect``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from . import em_guard
from .backends import database_api
from .dialect import SqlDialect, dialect_for

SEA_ALIAS = "sea"
OTHER_ALIAS = "other"


def _first_name(sql: SqlDialect) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="first_name",
        comparison_levels=[
            cll.NullLevel("first_name"),
            cll.ExactMatchLevel("first_name").configure(tf_adjustment_column="first_name"),
            cll.DamerauLevenshteinLevel("first_name", 1),
            cll.CustomLevel(
                sql.lists_overlap("first_name_variants_l", "first_name_variants_r"),
                label_for_charts="Nickname of the same name",
            ),
            cll.JaroWinklerLevel("first_name", 0.88),
            cll.ElseLevel(),
        ],
    )


def _last_name(sql: SqlDialect) -> cl.CustomComparison:
    hyphen_part = (
        f"{sql.is_hyphen_part('last_name_r', 'last_name_l')} "
        f"or {sql.is_hyphen_part('last_name_l', 'last_name_r')}"
    )
    return cl.CustomComparison(
        output_column_name="last_name",
        comparison_levels=[
            cll.NullLevel("last_name"),
            cll.ExactMatchLevel("last_name").configure(tf_adjustment_column="last_name"),
            cll.DamerauLevenshteinLevel("last_name", 1),
            cll.CustomLevel(hyphen_part, label_for_charts="One part of a hyphenated name"),
            cll.JaroWinklerLevel("last_name", 0.88),
            cll.ElseLevel(),
        ],
    )


def _middle_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            cll.NullLevel("middle_name"),
            cll.ExactMatchLevel("middle_name"),
            cll.JaroWinklerLevel("middle_name", 0.88),
            cll.CustomLevel(
                "left(middle_name_l, 1) = left(middle_name_r, 1)",
                label_for_charts="Same middle initial",
            ),
            cll.ElseLevel(),
        ],
    )


def _birth_date() -> cl.CustomComparison:
    # Dates stay strings (YYYY-MM-DD) so that a slipped digit is one edit.
    swapped = (
        "left(birth_date_l, 4) = left(birth_date_r, 4) "
        "and substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
        "and substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)"
    )
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(swapped, label_for_charts="Day and month swapped"),
            cll.DamerauLevenshteinLevel("birth_date", 1).configure(
                label_for_charts="One digit slipped or two transposed"
            ),
            cll.CustomLevel("birth_year_l = birth_year_r", label_for_charts="Same birth year"),
            cll.ElseLevel(),
        ],
    )


def _sex() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()],
    )


def prediction_blocking_rules() -> list:
    """Rules whose union finds nearly every true pair: each survives a different error."""
    return [
        block_on("birth_date"),  # any name error, nickname, name change
        block_on("last_name", "birth_year"),  # swapped or slipped birth dates
        block_on("first_name", "birth_year"),  # changed last name with a date error
        block_on("first_name", "last_name"),  # missing birth date
        block_on("left(last_name, 3)", "left(first_name, 1)", "substr(birth_date, 6, 5)"),
    ]


def training_blocking_rules() -> list:
    """EM sessions: each fixes some fields so the others' m can be estimated."""
    return [
        block_on("birth_date"),
        block_on("first_name", "last_name"),
        block_on("last_name", "birth_year"),
    ]


def settings(*, with_sex: bool, backend: str = "duckdb") -> SettingsCreator:
    """The Splink settings for linking the SEA's students to another agency's people."""
    sql = dialect_for(backend)
    comparisons = [_first_name(sql), _last_name(sql), _middle_name(), _birth_date()]
    if with_sex:
        comparisons.append(_sex())
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="person_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def build_linker(
    sea: pa.Table, other: pa.Table, *, with_sex: bool, db_api, backend: str = "duckdb"
) -> Linker:
    """Register both comparison tables with the backend and make the linker (Splink 5 order)."""
    sdf_sea = db_api.register(sea, dataset_display_name=SEA_ALIAS)
    sdf_other = db_api.register(other, dataset_display_name=OTHER_ALIAS)
    model = settings(with_sex=with_sex, backend=backend)
    return Linker([sdf_sea, sdf_other], model, log_level=None)


def count_blocked_comparisons(sea: pa.Table, other: pa.Table, *, with_sex: bool) -> list[dict]:
    """Exact comparison counts, marginal and cumulative, of each prediction blocking rule.

    Counted by DuckDB in this process whatever the backend: counting needs only the blocking
    keys, in tables the process already holds, and on Spark it would cost dozens of jobs.
    """
    with database_api("duckdb") as db_api:
        linker = build_linker(sea, other, with_sex=with_sex, db_api=db_api)
        records = linker.blocking_analysis.count_comparisons_from_blocking_rules(
            record_sample_proportion=1.0
        )
    keys = ("blocking_rule", "marginal_comparison_count", "cumulative_comparison_count")
    return [{k: r[k] for k in keys} for r in records]


def train(
    linker: Linker,
    *,
    u_max_pairs: float,
    seed: int,
    labels: pa.Table | None,
    deterministic_recall: float,
    u_chunks: int = 10,
) -> tuple[int, list[em_guard.DefaultedLevel]]:
    """Estimate lambda from exact rules, u by random sampling, m by EM; labels seed m.

    u is sampled in ``u_chunks`` chunks (Splink stops early once every level is seen often
    enough). Returns the number of EM sessions and the levels whose m EM could not estimate,
    which fall back to a default (see ``em_guard``).
    """
    em_guard.floor_m(linker)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date")], recall=deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=u_max_pairs, seed=seed, num_chunks=u_chunks
    )
    if labels is not None and labels.num_rows:
        # Reviewed pairs sit near the threshold, so they start EM rather than replace it.
        sdf = linker.table_management.register_table(labels, "__steward_labels", overwrite=True)
        linker.training.estimate_m_from_pairwise_labels(sdf)
    rules = training_blocking_rules()
    for rule in rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return len(rules), em_guard.default_unestimated_m(linker)


@dataclass(frozen=True)
class Scored:
    """What scoring every blocked pair leaves for the rest of the run."""

    candidates: pa.Table  # sea_id, other_id, match_probability, match_weight (at or above floor)
    histogram: list[dict]  # match weights of every blocked pair, in equal-width bins
    blocked_pairs: int


# Scored pairs below the floor are counted in buckets this wide (in bits of match weight): a
# power of two, so that a bucket's edges and ``floor(match_weight * BUCKETS_PER_BIT)`` are exact.
BUCKETS_PER_BIT = 64
_WEIGHT_CLAMP = 1e9  # keeps the bucket number an integer; real weights stay within +-1e4 bits


def predict(linker: Linker, *, floor: float, bins: int) -> Scored:
    """Score every blocked pair inside the backend and bring back only what the run keeps.

    Scoring ends in one aggregation, a single pass over the scored pairs that are never stored:
    pairs at or above ``floor`` (below the review band) come back one row each, and the rest
    only as counts per 1/64-bit weight bucket, from which the weight histogram over every
    blocked pair is drawn. At 1 M SEA students there are about 60 M blocked pairs and about
    120,000 candidates; bare Splink, scoring with a threshold, stores only the latter too.
    """
    rows = _scored_summary(linker, floor)
    kept = rows.filter(pc.is_valid(rows["person_id_l"]))
    return Scored(
        candidates=_candidates(kept),
        histogram=_histogram(rows, bins),
        blocked_pairs=int(pc.sum(rows["n"]).as_py() or 0),
    )


def _scored_summary(linker: Linker, floor: float) -> pa.Table:
    """Splink's own predict pipeline (as ``linker.inference.predict`` builds it, unchunked),
    with a last step that keeps the candidates and counts the other pairs by weight bucket."""
    from splink.internals.comparison_vector_values import (
        compute_comparison_vector_values_from_id_pairs_sqls,
    )
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
    from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

    settings = linker._settings_obj
    columns = settings.column_info_settings
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    try:
        pipeline = CTEPipeline([blocked])
        enqueue_df_concat_with_tf(linker, pipeline)
        pipeline.enqueue_list_of_sqls(
            compute_comparison_vector_values_from_id_pairs_sqls(
                settings._columns_to_select_for_blocking,
                settings._columns_to_select_for_comparison_vector_values,
                input_tablename_l="__splink__df_concat_with_tf",
                input_tablename_r="__splink__df_concat_with_tf",
                source_dataset_input_column=columns.source_dataset_input_column,
                unique_id_input_column=columns.unique_id_input_column,
                link_type=settings._link_type,
                sql_dialect_str=linker._sql_dialect_str,
            )
        )
        pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(settings))
        pipeline.enqueue_sql(_summary_sql(floor), "__steward_scored_summary")
        summary = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
        try:
            # Fetched before the blocked pairs go: on Spark nothing is computed until now.
            return summary.as_pyarrow_table()
        finally:
            summary.drop_table_from_database_and_remove_from_cache()
    finally:
        blocked.drop_table_from_database_and_remove_from_cache()


def _summary_sql(floor: float) -> str:
    kept = f"match_probability >= {float(floor)!r}"
    finite = "match_weight > -1e308 AND match_weight < 1e308"  # neither null, infinite nor NaN
    clamped = f"least(greatest(match_weight, {-_WEIGHT_CLAMP!r}), {_WEIGHT_CLAMP!r})"
    bucket = f"CAST(floor({clamped} * {BUCKETS_PER_BIT}) AS BIGINT)"
    keys = {
        "source_dataset_l": f"CASE WHEN {kept} THEN source_dataset_l END",
        "person_id_l": f"CASE WHEN {kept} THEN person_id_l END",
        "person_id_r": f"CASE WHEN {kept} THEN person_id_r END",
        "match_probability": f"CASE WHEN {kept} THEN match_probability END",
        "match_weight": f"CASE WHEN {kept} THEN match_weight END",
        "bucket": f"CASE WHEN {finite} THEN {bucket} END",
    }
    selected = ", ".join(f"{sql} AS {name}" for name, sql in keys.items())
    group = ", ".join(keys.values())
    # One row per kept pair (blocked pairs are distinct), one per bucket for the others.
    return f"SELECT {selected}, count(*) AS n FROM __splink__df_predict GROUP BY {group}"  # noqa: S608


def _histogram(rows: pa.Table, bins: int) -> list[dict]:
    """Equal-width bins over every finite weight, edges on the bucket grid (counts exact)."""
    counted = rows.filter(pc.is_valid(rows["bucket"]))
    if counted.num_rows == 0:
        return []
    buckets = np.asarray(counted["bucket"], dtype=np.int64)
    counts = np.asarray(counted["n"], dtype=np.int64)
    first, last = int(buckets.min()), int(buckets.max())
    width = -(-(last - first + 1) // bins)  # buckets per bin, so that ``bins`` bins cover all
    totals = np.zeros(bins, dtype=np.int64)
    np.add.at(totals, (buckets - first) // width, counts)
    edges = (first + width * np.arange(bins + 1)) / BUCKETS_PER_BIT
    return [
        {"bin_low": float(lo), "bin_high": float(hi), "count": int(n)}
        for lo, hi, n in zip(edges[:-1], edges[1:], totals, strict=True)
    ]


def _candidates(kept: pa.Table) -> pa.Table:
    sea_left = pc.fill_null(pc.equal(kept["source_dataset_l"], SEA_ALIAS), False)
    ids_l = kept["person_id_l"].cast(pa.string())
    ids_r = kept["person_id_r"].cast(pa.string())
    return pa.table(
        {
            "sea_id": pc.if_else(sea_left, ids_l, ids_r),
            "other_id": pc.if_else(sea_left, ids_r, ids_l),
            "match_probability": kept["match_probability"].cast(pa.float64()),
            "match_weight": kept["match_weight"].cast(pa.float64()),
        }
    )
