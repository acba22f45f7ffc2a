from __future__ import annotations

import pytest
from django.urls import reverse

from steward.agreements.models import Agreement

pytestmark = pytest.mark.django_db


def test_the_agreement_page_offers_its_liaison_to_build_the_extract(people, client_for):
    from steward.access.demo import requests_seed
    from steward.agenda.demo import agenda_seed
    from steward.agreements.demo import agreements_seed
    from steward.catalog.services import catalog_load

    catalog_load(actor=None)
    agenda_seed()
    requests_seed()
    agreements_seed()
    active = next(a for a in Agreement.objects.all() if a.in_force)
    build = reverse("extracts:build", kwargs={"pk": active.pk})
    liaison = client_for("maya").get(reverse("agreements:detail", kwargs={"pk": active.pk}))
    assert active.project.liaison == people["maya"]
    assert build in liaison.content.decode()
    researcher = client_for("ana").get(reverse("agreements:detail", kwargs={"pk": active.pk}))
    assert build not in researcher.content.decode()
