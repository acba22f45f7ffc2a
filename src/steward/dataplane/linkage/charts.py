"""Diagnostics as Vega-Lite specs (Altair ``to_dict``) for a run page; no network needed."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt

from steward.dataplane.atomic import atomic_write_text

from .result import Diagnostics


def match_weight_chart(diagnostics: Diagnostics) -> alt.Chart:
    """The distribution of match weights over every blocked pair, with the threshold marked."""
    data = alt.Data(values=diagnostics.histogram)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("bin_low:Q", bin="binned", title="Match weight (bits)"),
            x2="bin_high:Q",
            y=alt.Y("count:Q", title="Pairs", scale=alt.Scale(type="symlog")),
            tooltip=["bin_low:Q", "bin_high:Q", "count:Q"],
        )
    )
    t = diagnostics.threshold
    rule = (
        alt.Chart(alt.Data(values=[{"weight": _weight(t)}]))
        .mark_rule(color="#b50909")
        .encode(x="weight:Q")
    )
    return (bars + rule).properties(title="Match weights of compared pairs", width=560, height=220)


def m_u_chart(diagnostics: Diagnostics) -> alt.Chart:
    """m and u of every comparison level, one row of bars per comparison."""
    rows = [
        {"comparison": p["comparison"], "level": p["level"], "kind": kind, "probability": p[kind]}
        for p in diagnostics.parameters
        for kind in ("m", "u")
        if p[kind] is not None
    ]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), title="Probability"),
            y=alt.Y("level:N", sort=None, title=None),
            yOffset="kind:N",
            color=alt.Color("kind:N", title="Parameter"),
            row=alt.Row("comparison:N", title=None),
            tooltip=["comparison:N", "level:N", "kind:N", "probability:Q"],
        )
        .resolve_scale(y="independent")
        .properties(title="m and u per comparison level", width=420)
    )


def chart_specs(diagnostics: Diagnostics) -> dict[str, dict]:
    """Both charts as Vega-Lite dicts, keyed by a file-friendly name."""
    return {
        "match_weights": match_weight_chart(diagnostics).to_dict(),
        "m_u_parameters": m_u_chart(diagnostics).to_dict(),
    }


def write_chart_specs(folder: Path | str, diagnostics: Diagnostics) -> list[Path]:
    """Write each chart as ``<name>.vl.json`` atomically; return the paths."""
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths = []
    for name, spec in chart_specs(diagnostics).items():
        path = folder / f"{name}.vl.json"
        atomic_write_text(path, json.dumps(spec, indent=1, sort_keys=True) + "\n")
        paths.append(path)
    return paths


def _weight(probability: float) -> float:
    import math

    return math.log2(probability / (1 - probability))
