"""The run page's diagnostics as pictures without script: Vega-Lite specs rendered to SVG on the
server with vl-convert and shown as images, each with a table as its text form."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import vl_convert
from django.conf import settings

from steward.linkage.models import LinkageRun

TITLES = {
    "match_weights": (
        "Match weights of compared pairs",
        "Bar chart of how many compared pairs fall in each band of match weight, with the "
        "threshold marked; the table of counts per band follows.",
    ),
    "m_u_parameters": (
        "m and u per comparison level",
        "Bar chart of the m and u probability of each comparison level; the table of m, u "
        "and partial match weight per level follows.",
    ),
}


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    alt: str
    image: str  # a data: URI of the SVG, or "" when the run kept no chart


def run_figures(run: LinkageRun) -> list[Figure]:
    """Each chart of the run drawn as SVG; the tables follow on the page as their text form."""
    folder = Path(settings.DATA_DIR) / run.charts_path if run.charts_path else None
    figures = []
    for name, (title, alt) in TITLES.items():
        image = ""
        spec_path = folder / f"{name}.vl.json" if folder else None
        if spec_path is not None and spec_path.is_file():
            svg = vl_convert.vegalite_to_svg(json.loads(spec_path.read_text()))
            image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        figures.append(Figure(name, title, alt, image))
    return figures
