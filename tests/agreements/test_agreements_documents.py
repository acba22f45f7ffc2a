"""The template, the text each version keeps with its SHA-256, and its HTML and PDF."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from steward.agreements import documents, services

pytestmark = pytest.mark.django_db


def _pdf_text(version) -> str:
    pdf = documents.to_pdf(
        version.text, reference=version.agreement.reference, sha256=version.sha256
    )
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_pdf_names_every_granted_element_and_year(out_for_signature):
    version = out_for_signature.versions.get()
    text = _pdf_text(version)
    grants = list(version.grants.select_related("element"))
    assert len(grants) == 6
    for grant in grants:
        assert grant.element.name in text
        assert f"{grant.first_year}-{grant.last_year}" in text
    assert version.sha256 in text.replace("\n", "")


def test_the_html_and_the_pdf_come_from_the_same_stored_text(out_for_signature):
    version = out_for_signature.versions.get()
    html = str(documents.to_html(version.text))
    assert "<h2>Data sharing agreement" in html
    assert "days_absent" in html and "days_absent" in _pdf_text(version)


def test_the_html_escapes_what_people_typed(draft, people):
    services.agreement_update(
        actor=people["maya"], agreement=draft, fields={"goals": "<script>alert(1)</script>"}
    )
    services.agreement_send_for_signature(actor=people["maya"], agreement=draft)
    version = draft.versions.get()
    assert "<script>" not in str(documents.to_html(version.text))


def test_an_unknown_template_field_is_refused(people):
    with pytest.raises(ValidationError, match="Unknown field"):
        services.template_revise(
            actor=people["alex"],
            title="Standard",
            body=documents.DEFAULT_BODY + "{{ data_request.created_by.password }}",
        )


def test_a_template_must_keep_the_grants_and_the_term(people):
    body = documents.DEFAULT_BODY.replace("{{ data_granted }}", "")
    with pytest.raises(ValidationError, match="data_granted"):
        services.template_revise(actor=people["alex"], title="Standard", body=body)


def test_only_administrators_edit_the_template(people):
    with pytest.raises(PermissionDenied):
        services.template_revise(
            actor=people["maya"], title="Standard", body=documents.DEFAULT_BODY
        )


def test_a_new_template_version_leaves_rendered_agreements_untouched(out_for_signature, people):
    version = out_for_signature.versions.get()
    before = (version.text, version.sha256)
    template = services.template_revise(
        actor=people["alex"],
        title="Standard, 2027",
        body=documents.DEFAULT_BODY.replace("## 10. Signatures", "## 10. Signatures and dates"),
        note="Clearer heading.",
    )
    assert template.version == 2
    version.refresh_from_db()
    assert (version.text, version.sha256) == before
    assert "Signatures and dates" not in version.text


def test_a_draft_uses_the_current_template(approved, project, people):
    services.template_revise(
        actor=people["alex"],
        title="Standard, 2027",
        body=documents.DEFAULT_BODY.replace("## 10. Signatures", "## 10. Signed by"),
    )
    agreement = services.agreement_draft(
        actor=people["maya"],
        data_request=approved,
        project=project,
        sea_signer=people["grace"],
        organization_signer=people["ana"],
    )
    version = agreement.versions.get()
    text = documents.fill(version.template.body, documents.field_values(version))
    assert "## 10. Signed by" in text
