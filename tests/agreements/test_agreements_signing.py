"""Drafting from the decision, the FERPA checklist that must be complete before anyone signs,
signatures over the stored text's hash, and each researcher's own acceptance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.agreements import services
from steward.agreements.checklist import FERPA_CHECKLIST
from steward.agreements.models import Agreement, AgreementVersion, Signature
from steward.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_draft_carries_the_decided_grant_and_the_requests_personnel(draft, approved):
    version = draft.versions.get()
    granted = set(approved.elements.filter(granted=True).values_list("element_id", flat=True))
    asked = set(approved.elements.values_list("element_id", flat=True))
    assert set(version.grants.values_list("element_id", flat=True)) == granted
    assert granted < asked
    assert set(version.people.values_list("user__email", "role")) == {
        ("ana@demo.steward.test", "pi"),
        ("ben@demo.steward.test", "co_investigator"),
    }
    assert version.matching_authorized is True
    assert "Cells of 10 or more." in version.scope_of_work
    assert draft.research_organization.code == "lsu-cep"


def test_only_an_approved_request_becomes_an_agreement(trained, project, people):
    from steward.access.demo import complete_request

    data_request = complete_request(actor=people["ana"], title="Not yet approved")
    with pytest.raises(ValidationError, match="Only an approved request"):
        services.agreement_draft(actor=people["maya"], data_request=data_request, project=project)


def test_only_the_liaison_drafts(approved, project, people):
    for persona in ("ana", "grace", "priya", "alex"):
        with pytest.raises(PermissionDenied):
            services.agreement_draft(actor=people[persona], data_request=approved, project=project)


def test_a_request_becomes_one_agreement_only(draft, approved, project, people):
    with pytest.raises(ValidationError, match="has an agreement already"):
        services.agreement_draft(actor=people["maya"], data_request=approved, project=project)


def test_a_signer_for_the_department_must_work_there_in_a_signing_role(draft, people):
    with pytest.raises(ValidationError, match="cannot sign for the Department"):
        services.agreement_update(
            actor=people["maya"], agreement=draft, fields={"sea_signer": people["ana"]}
        )
    with pytest.raises(ValidationError, match="must belong to it"):
        services.agreement_update(
            actor=people["maya"], agreement=draft, fields={"organization_signer": people["lena"]}
        )


@pytest.mark.parametrize("missing", [key for key, _ in FERPA_CHECKLIST])
def test_nobody_can_send_for_signature_while_a_checklist_item_is_unconfirmed(
    draft, people, missing
):
    checklist = {key: key != missing for key, _ in FERPA_CHECKLIST}
    services.agreement_update(
        actor=people["maya"], agreement=draft, fields={}, ferpa_checklist=checklist
    )
    with pytest.raises(ValidationError, match="FERPA checklist"):
        services.agreement_send_for_signature(actor=people["maya"], agreement=draft)
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize(
    ("field", "value", "item"),
    [
        ("purpose", "", "purpose, scope and duration"),
        ("ends_on", None, "purpose, scope and duration"),
        ("allowable_use", "", "limited to that purpose"),
        ("security_storage", "", "identify students"),
        ("disposition", "", "destroyed (or returned)"),
        ("disposition_days", 0, "destroyed (or returned)"),
    ],
)
def test_a_ticked_item_over_an_empty_term_is_still_incomplete(draft, people, field, value, item):
    services.agreement_update(actor=people["maya"], agreement=draft, fields={field: value})
    with pytest.raises(ValidationError) as refused:
        services.agreement_send_for_signature(actor=people["maya"], agreement=draft)
    assert any(item in message and "needs" in message for message in refused.value.messages)


def test_nobody_can_sign_while_the_ferpa_checklist_is_incomplete(out_for_signature, people):
    version = out_for_signature.versions.get()
    AgreementVersion.objects.filter(pk=version.pk).update(
        ferpa_checklist={"purpose_scope_duration": True}
    )
    for persona, name in (("grace", "Grace Liu"), ("ana", "Ana Ortiz")):
        with pytest.raises(ValidationError, match="FERPA checklist"):
            services.agreement_sign(
                actor=people[persona], version=version, typed_name=name, attest=True
            )
    assert not Signature.objects.exists()


def test_sending_freezes_the_text_and_its_hash(out_for_signature):
    import hashlib

    version = out_for_signature.versions.get()
    assert version.status == "signature"
    assert version.sha256 == hashlib.sha256(version.text.encode()).hexdigest()
    assert "DSA-" in version.text and "days_absent" in version.text


def test_a_signature_records_typed_name_attestation_time_and_the_hash(
    out_for_signature, people, now
):
    version = out_for_signature.versions.get()
    signature = services.agreement_sign(
        actor=people["grace"], version=version, typed_name="grace  liu", attest=True, at=now
    )
    assert signature.party == "sea"
    assert signature.typed_name == "grace  liu"
    assert signature.version_sha256 == version.sha256
    assert version.sha256 in signature.attestation
    assert signature.signed_at == now


def test_a_signature_needs_the_signers_own_name_and_attestation(out_for_signature, people):
    version = out_for_signature.versions.get()
    with pytest.raises(ValidationError, match="full name"):
        services.agreement_sign(
            actor=people["grace"], version=version, typed_name="Maya Chen", attest=True
        )
    with pytest.raises(ValidationError, match="attestation"):
        services.agreement_sign(
            actor=people["grace"], version=version, typed_name="Grace Liu", attest=False
        )


@pytest.mark.parametrize("persona", ["maya", "ben", "lena", "samuel", "priya"])
def test_only_the_named_signers_sign(out_for_signature, people, persona):
    version = out_for_signature.versions.get()
    with pytest.raises(PermissionDenied):
        services.agreement_sign(
            actor=people[persona],
            version=version,
            typed_name=people[persona].full_name,
            attest=True,
        )


def test_a_party_signs_once(out_for_signature, people):
    version = out_for_signature.versions.get()
    services.agreement_sign(
        actor=people["grace"], version=version, typed_name="Grace Liu", attest=True
    )
    with pytest.raises(ValidationError, match="signed this version already"):
        services.agreement_sign(
            actor=people["grace"], version=version, typed_name="Grace Liu", attest=True
        )


def test_a_changed_stored_text_cannot_be_signed(out_for_signature, people):
    version = out_for_signature.versions.get()
    AgreementVersion.objects.filter(pk=version.pk).update(text=version.text + "One more clause.")
    with pytest.raises(ValidationError, match="does not match its hash"):
        services.agreement_sign(
            actor=people["grace"], version=version, typed_name="Grace Liu", attest=True
        )


def test_the_second_signature_puts_the_agreement_in_force(signed):
    signed.agreement.refresh_from_db()
    assert signed.status == "effective"
    assert signed.agreement.status == "active"
    assert signed.signatures.count() == 2


def test_each_step_writes_one_audit_entry(out_for_signature, people):
    version = out_for_signature.versions.get()
    before = AuditEntry.objects.count()
    services.agreement_sign(
        actor=people["grace"], version=version, typed_name="Grace Liu", attest=True
    )
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "agreement.signed"
    assert entry.summary == {"version": 1, "party": "sea", "sha256": version.sha256}


def test_only_named_researchers_accept_and_only_for_themselves(signed, people):
    for persona in ("lena", "maya", "grace"):
        with pytest.raises(PermissionDenied):
            services.agreement_accept(
                actor=people[persona],
                version=signed,
                typed_name=people[persona].full_name,
                attest=True,
            )
    with pytest.raises(ValidationError, match="full name"):
        services.agreement_accept(
            actor=people["ben"], version=signed, typed_name="Dr. Ana Ortiz", attest=True
        )


def test_nobody_accepts_before_both_parties_signed(out_for_signature, people):
    version = out_for_signature.versions.get()
    with pytest.raises(ValidationError, match="signed by both"):
        services.agreement_accept(
            actor=people["ben"], version=version, typed_name="Ben Carter", attest=True
        )


def test_an_unsigned_agreement_is_recalled_to_draft_but_not_once_signed(out_for_signature, people):
    services.agreement_recall(actor=people["maya"], agreement=out_for_signature)
    out_for_signature.refresh_from_db()
    assert out_for_signature.status == "draft"
    services.agreement_send_for_signature(actor=people["maya"], agreement=out_for_signature)
    version = out_for_signature.versions.get()
    services.agreement_sign(
        actor=people["grace"], version=version, typed_name="Grace Liu", attest=True
    )
    with pytest.raises(ValidationError, match="has signed already"):
        services.agreement_recall(actor=people["maya"], agreement=out_for_signature)


def test_the_agreement_moves_only_as_the_lifecycle_allows(draft, now):
    from steward.agreements.models import TRANSITIONS, Status

    for old in Status.values:
        for new in Status.values:
            Agreement.objects.filter(pk=draft.pk).update(status=old)
            draft.status = old
            if new in TRANSITIONS[old]:
                services._move(draft, to=new, at=now)
                assert Agreement.objects.get(pk=draft.pk).status == new
            else:
                with pytest.raises(services.TransitionRefused):
                    services._move(draft, to=new, at=now)
                assert Agreement.objects.get(pk=draft.pk).status == old


def test_a_move_from_a_status_someone_else_changed_is_refused(draft, now):
    Agreement.objects.filter(pk=draft.pk).update(status="signature")
    with pytest.raises(services.StaleAgreement):
        services._move(draft, to="signature", at=now)  # still believes it is a draft


def test_a_version_moves_only_as_its_lifecycle_allows(draft):
    from steward.agreements.models import VERSION_TRANSITIONS, VersionStatus

    version = draft.versions.get()
    for old in VersionStatus.values:
        for new in VersionStatus.values:
            AgreementVersion.objects.filter(pk=version.pk).update(status=old)
            version.status = old
            if new in VERSION_TRANSITIONS[old]:
                services._move_version(version, to=new)
                assert AgreementVersion.objects.get(pk=version.pk).status == new
            else:
                with pytest.raises(services.TransitionRefused):
                    services._move_version(version, to=new)


def test_time_is_injected_not_waited_for(draft, people, now):
    later = now + timedelta(days=3)
    version = services.agreement_send_for_signature(actor=people["maya"], agreement=draft, at=later)
    assert version.rendered_at == later
    draft.refresh_from_db()
    assert draft.status_changed_at == later
