"""Shared test set-up: Lakeland's people in every test database.

Development settings and a throw-away data folder come from `steward.testing.environment`,
loaded by pytest (see pyproject.toml) before Django reads its settings.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the demo organizations and personas (STORY.md)."""
    from steward.core.demo import personas_seed

    with django_db_blocker.unblock():
        personas_seed()


@pytest.fixture
def people(db):
    """The personas by key: people['ana'], people['priya']..."""
    from steward.accounts.models import User
    from steward.core.personas import PERSONAS

    users = {user.email: user for user in User.objects.all()}
    return {persona.key: users[persona.email] for persona in PERSONAS}


@pytest.fixture
def client_for(client, people):
    """A test client signed in as the given persona (or anonymous for None)."""
    from django.test import Client

    def make(key: str | None) -> Client:
        signed = Client()
        if key is not None:
            signed.force_login(people[key])
        return signed

    return make


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate limits and used TOTP codes live in the cache; each test starts without them."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield  # data-plane tests may run with -p no:django
        return
    from django.core.cache import caches

    caches["local"].clear()
    # The shared cache is a database table: only a test with a database can (and need) clear it.
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    database = None
    if names & {"transactional_db", "live_server"} or (marker and marker.kwargs.get("transaction")):
        database = "transactional_db"
    elif "db" in names or marker:
        database = "db"
    if database is not None:
        request.getfixturevalue(database)
        caches["default"].clear()
    yield
