"""The agreement's text: the standard template, filling its fields from a version, and drawing
the stored text as HTML or as a PDF.

A template is plain text with a little structure (`# ` title, `## ` heading, `- ` list item,
other lines paragraphs) and `{{ field }}` places. Only the fields named in `FIELDS` exist, so an
administrator's edit can never reach into the database. The filled-in text is stored with the
version; HTML and PDF are both drawn from that stored text, so what is read is what was signed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from steward.agreements.models import AgreementVersion

PLACE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

# field → what it holds (shown to administrators beside the template editor).
FIELDS: dict[str, str] = {
    "reference": "The agreement's reference, e.g. DSA-0001",
    "version": "The version number (1 for the original, 2 and up for amendments)",
    "sea": "The state education agency's name",
    "organization": "The research organization's name",
    "project": "The project's title",
    "purpose": "The purpose of the study",
    "scope_of_work": "The scope of work",
    "goals": "The goals",
    "deliverables": "The deliverables",
    "timeline": "The timeline",
    "allowable_use": "The allowable uses of the data",
    "data_granted": "A list: every agency, element, years and population granted",
    "agencies": "The agencies whose data is disclosed",
    "personnel": "A list: every researcher with access, and their role",
    "point_of_contact": "The SEA's point of contact",
    "security_transfer": "Security in transfer",
    "security_storage": "Security in storage",
    "security_use": "Security in use",
    "legal_compliance": "Compliance with FERPA and state law",
    "starts_on": "First day of the term",
    "ends_on": "Last day of the term",
    "renewal_terms": "Renewal and extension terms",
    "refresh_schedule": "The data refresh schedule",
    "matching": "Whether matching across datasets is authorized",
    "disposition": "Destroy or return, and by when",
    "disposition_days": "Days after the end by which data is destroyed or returned",
    "interim_findings": "How interim findings reach the SEA",
    "feedback": "How the SEA's feedback is considered",
    "publication_review_days": "The SEA's review period before publication, in days",
    "sea_signer": "The SEA's authorized signer",
    "organization_signer": "The research organization's authorized signer",
    "amendment": "For an amendment: why the agreement changes (empty for the original)",
}

DEFAULT_TITLE = "Data sharing agreement (standard)"

DEFAULT_BODY = (Path(__file__).parent / "default_template.txt").read_text(encoding="utf-8")


class TemplateProblem(ValueError):
    """A template uses a field that does not exist, or lacks one it must have."""


REQUIRED_FIELDS = ("data_granted", "personnel", "starts_on", "ends_on", "disposition")


def template_problems(body: str) -> list[str]:
    """What is wrong with a template's text; empty when it can be used."""
    used = set(PLACE.findall(body))
    problems = [f"Unknown field {{{{ {name} }}}}." for name in sorted(used - set(FIELDS))]
    problems += [
        f"The template must contain {{{{ {name} }}}}."
        for name in REQUIRED_FIELDS
        if name not in used
    ]
    return problems


def _date(value) -> str:
    return f"{value:%B} {value.day}, {value:%Y}" if value else "(not set)"


def _list(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines) if lines else "- (none)"


def field_values(version: AgreementVersion) -> dict[str, str]:
    """Every template field's value for one version, as plain text."""
    agreement = version.agreement
    grants = list(version.grants.all())
    people = list(version.people.all())
    agencies = sorted({grant.agency.name for grant in grants})
    disposition = (
        f"At the end of the term the Organization will {version.get_disposition_display().lower()}"
        f" all data received under this agreement, and every copy of it, within "
        f"{version.disposition_days} days."
        if version.disposition
        else "(not set)"
    )
    return {
        "reference": agreement.reference,
        "version": str(version.number),
        "sea": _sea_name(),
        "organization": agreement.research_organization.name,
        "project": agreement.project.title,
        "purpose": version.purpose,
        "scope_of_work": version.scope_of_work,
        "goals": version.goals,
        "deliverables": version.deliverables,
        "timeline": version.timeline,
        "allowable_use": version.get_allowable_use_display().lower() or "(not set)",
        "data_granted": _list(
            [
                f"{grant.agency.name}: {grant.element.label} ({grant.element.dataset.code}."
                f"{grant.element.name}), years {grant.years}; {grant.population}"
                for grant in grants
            ]
        ),
        "agencies": ", ".join(agencies) or "(none)",
        "personnel": _list(
            [f"{person.user.full_name}, {person.get_role_display().lower()}" for person in people]
        ),
        "point_of_contact": _person(version.point_of_contact),
        "security_transfer": version.security_transfer,
        "security_storage": version.security_storage,
        "security_use": version.security_use,
        "legal_compliance": version.legal_compliance,
        "starts_on": _date(version.starts_on),
        "ends_on": _date(version.ends_on),
        "renewal_terms": version.renewal_terms,
        "refresh_schedule": version.refresh_schedule or "none; the data is disclosed once.",
        "matching": "authorized, by the state's linkage service only; the researchers receive "
        "project pseudonyms, never the agencies' identifiers."
        if version.matching_authorized
        else "not authorized.",
        "disposition": disposition,
        "disposition_days": str(version.disposition_days),
        "interim_findings": version.interim_findings,
        "feedback": version.feedback,
        "publication_review_days": str(version.publication_review_days),
        "sea_signer": _person(version.sea_signer),
        "organization_signer": _person(version.organization_signer),
        "amendment": f"This amendment supersedes version {version.number - 1}. Reason: "
        f"{version.reason}"
        if version.is_amendment
        else "",
    }


def _sea_name() -> str:
    from steward.accounts.models import Organization

    sea = Organization.objects.filter(kind="agency", agency_kind="sea").first()
    return sea.name if sea else "The state education agency"


def _person(user) -> str:
    if user is None:
        return "(not named)"
    return f"{user.full_name}, {user.title}" if user.title else user.full_name


def fill(body: str, values: dict[str, str]) -> str:
    """The template's text with every field replaced by its value; empty lines collapse."""
    text = PLACE.sub(lambda match: values.get(match.group(1), ""), body)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip() + "\n"


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- drawing the stored text ----------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # "title", "heading", "item", "paragraph"
    text: str


def blocks(text: str) -> list[Block]:
    found = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if line.startswith("# "):
            found.append(Block("title", line[2:].strip()))
        elif line.startswith("## "):
            found.append(Block("heading", line[3:].strip()))
        elif line.startswith("- "):
            found.append(Block("item", line[2:].strip()))
        else:
            found.append(Block("paragraph", line.strip()))
    return found


def to_html(text: str) -> SafeString:
    """The stored text as HTML; the title becomes a level-2 heading under the page's own."""
    parts: list[str] = []
    in_list = False
    for block in blocks(text):
        if block.kind != "item" and in_list:
            parts.append("</ul>")
            in_list = False
        if block.kind == "title":
            parts.append(f"<h2>{escape(block.text)}</h2>")
        elif block.kind == "heading":
            parts.append(f"<h3>{escape(block.text)}</h3>")
        elif block.kind == "item":
            if not in_list:
                parts.append('<ul class="usa-list">')
                in_list = True
            parts.append(f"<li>{escape(block.text)}</li>")
        else:
            parts.append(f"<p>{escape(block.text)}</p>")
    if in_list:
        parts.append("</ul>")
    return mark_safe("\n".join(parts))  # noqa: S308  (every piece is escaped above)


# The PDF's standard fonts cover Latin-1; typographic characters get their plain equivalents.
_PLAIN = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2192": "->",
    }
)


def _latin1(text: str) -> str:
    plain = text.translate(_PLAIN)
    if all(ord(char) < 256 for char in plain):
        return plain
    decomposed = unicodedata.normalize("NFKD", plain)
    return decomposed.encode("latin-1", "ignore").decode("latin-1")


def to_pdf(text: str, *, reference: str, sha256: str) -> bytes:
    """The stored text as a PDF; every page's footer carries the reference and the SHA-256."""
    from fpdf import FPDF

    class AgreementPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=7)
            self.cell(
                0,
                8,
                _latin1(f"{reference} - SHA-256 of the text {sha256} - page {self.page_no()}"),
                align="C",
            )

    pdf = AgreementPdf(format="Letter")
    pdf.set_title(_latin1(reference))
    pdf.set_creator("Steward")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    styles = {"title": ("B", 15, 4), "heading": ("B", 12, 3), "paragraph": ("", 10, 1)}
    for block in blocks(text):
        if block.kind == "item":
            pdf.set_font("Helvetica", size=10)
            pdf.set_x(pdf.l_margin + 5)
            pdf.multi_cell(0, 5, _latin1(f"- {block.text}"), new_x="LMARGIN", new_y="NEXT")
            continue
        style, size, space = styles[block.kind]
        if block.kind == "heading":
            pdf.ln(3)
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, size * 0.5, _latin1(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(space)
    return bytes(pdf.output())
