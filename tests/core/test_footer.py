from __future__ import annotations

import pytest
from django.urls import reverse

from steward.portal.models import PrivacyContact

pytestmark = pytest.mark.django_db


def test_every_page_names_the_privacy_contact_an_administrator_set(
    client_for, django_capture_on_commit_callbacks
):
    visitor = client_for(None)
    assert "Jordan Reyes" not in visitor.get(reverse("home")).content.decode()  # now cached
    admin = client_for("alex")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:portal_privacycontact_add"),
            {
                "name": "Jordan Reyes",
                "title": "Chief Privacy Officer",
                "email": "jordan.reyes@education.lakeland.gov",
                "phone": "(555) 010-9999",
                "mailing_address": "1 Capitol Way",
            },
        )
    assert response.status_code == 302, response.content.decode()[:500]
    assert PrivacyContact.objects.filter(name="Jordan Reyes").exists()
    page = visitor.get(reverse("home")).content.decode()
    assert "Jordan Reyes" in page
    assert "jordan.reyes@education.lakeland.gov" in page
