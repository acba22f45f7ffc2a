"""A finding as a PDF (fpdf2, pip-only): the brief, its released tables, and where to read on."""

from __future__ import annotations

from fpdf import FPDF

from steward.outputs.models import Finding

REPLACE = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2264": "<=",
    "\u2265": ">=",
}


def _latin(text: str) -> str:
    for old, new in REPLACE.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def finding_pdf(finding: Finding, page_url: str) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_title(_latin(finding.title))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width, 8, _latin(finding.title))
    pdf.set_font("Helvetica", "", 9)
    published = f"{finding.published_at:%B %d, %Y}" if finding.published_at else "not published"
    pdf.multi_cell(width, 5, _latin(f"{finding.project.title}. Published {published}. {page_url}"))
    for heading, text in (
        ("In plain language", finding.summary),
        ("What it means for policy and practice", finding.implications),
        ("Limits", finding.limits),
        ("Full report", finding.full_report),
    ):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, heading)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(width, 5, _latin(text))
    for output in finding.outputs.all():
        release = output.release
        if release is None:
            continue
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(width, 6, _latin(f"Table: {release.title}"))
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(
            width,
            4,
            _latin(
                f"Population: {release.population}. Hidden cells show *. "
                f"Certificate SHA-256 {release.certificate_sha256}."
            ),
        )
        columns = release.published["columns"]
        cell = width / len(columns)
        pdf.set_font("Helvetica", "B", 8)
        for column in columns:
            pdf.cell(cell, 5, _latin(column), border=1)
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        for row in release.published["rows"]:
            for value in [*row["codes"], row["value"]]:
                pdf.cell(cell, 5, _latin(str(value)), border=1)
            pdf.ln()
    return bytes(pdf.output())
