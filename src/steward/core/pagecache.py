"""Public pages for anonymous visitors, rendered once and served from a shared cache until
anything changes.

A public page is the same for every anonymous visitor, so its rendered body is kept in the
database cache (`caches["pages"]`, shared by every server process and host) under its path and
the database's current *change number*. Every write to a table that can show on a page (any
table but the bookkeeping ones in `UNWATCHED_TABLES`) adds a row to `core_pagechange` in the same
transaction, so the change number moves exactly when the write becomes visible: a visitor never
sees a page older than the last committed change, a rolled-back change invalidates nothing, and
there is no expiry to wait out. Inserting (rather than updating one counter row) keeps
concurrent writers from queueing on one row.

Only what is the same for everyone is cached: GET and HEAD requests from visitors without a
session or pending messages, answered 200 without setting a cookie and without a CSRF token
(a page with a form is rendered afresh). `STEWARD_PAGE_CACHE=false` turns it off.
"""

from __future__ import annotations

import logging
import re
import secrets
import zlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

CHANGE_TABLE = "core_pagechange"
PAGE_CACHE_TABLE = "steward_page_cache"
CACHE_TABLE = "steward_cache"  # rate limits and used one-time codes (settings.CACHES["default"])
# Written on reads or by the machinery itself; nothing a public page shows comes from them.
UNWATCHED_TABLES = frozenset(
    {
        CHANGE_TABLE,
        PAGE_CACHE_TABLE,
        CACHE_TABLE,
        "accounts_apitoken",
        "core_auditentry",
        "core_job",
        "django_session",
        "django_tasks_database_dbtaskresult",
        "mfa_authenticator",
    }
)
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)', re.IGNORECASE)
# In development, templates change under a running server: pages cached by another process
# (or an earlier run) are not reused.
_BOOT = secrets.token_hex(4) if settings.DEBUG else "0"
# Pages are kept zlib-compressed: the agenda's 110 KB is kept in 12 KB, which the database reads
# and sends, and the server decodes, on every hit (uncompressed, that was a millisecond of the
# server's and PostgreSQL's time per hit). The form is part of every key, so a page kept in
# another form is never read as this one.
_KEY = f"{_BOOT}z:"
# How many change rows to keep; older ones are pruned now and then (only the largest id matters).
_KEEP_CHANGES = 1000


def _written_table(sql: str) -> str | None:
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


def _note_change(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_pagechange DEFAULT VALUES RETURNING id")
        (change,) = cursor.fetchone()
        # Now and then also drop the long tail: only the largest id is ever read.
        if change % 500 == 0:
            cursor.execute("DELETE FROM core_pagechange WHERE id < %s", [change - _KEEP_CHANGES])


class ChangeWatcher:
    """An execute wrapper: after a write to a watched table, note a change in the same
    transaction."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        table = _written_table(sql) if isinstance(sql, str) else None
        if table and table not in UNWATCHED_TABLES:
            _note_change(self.connection)
        return result


_change_table_exists = False


def watch_connection(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: every database connection notes its writes, once the
    change table exists (before `migrate` has made it, there is nothing to note)."""
    global _change_table_exists
    if not _change_table_exists:
        _change_table_exists = CHANGE_TABLE in connection.introspection.table_names()
        if not _change_table_exists:
            return
    if not any(isinstance(wrapper, ChangeWatcher) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.append(ChangeWatcher(connection))


def after_migrate(sender, using: str, **kwargs) -> None:
    """`post_migrate` receiver: start watching the connection that made the change table, and
    count the migration itself as a change (templates and queries may have changed with it)."""
    connection = connections[using]
    watch_connection(sender, connection)
    if _change_table_exists:
        _note_change(connection)


def current_change(using: str = "default") -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM core_pagechange")
        row = cursor.fetchone()
    return row[0] or 0


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a form
    )


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's response for anonymous visitors from the page cache (see the module)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        pages = caches["pages"]
        path = request.get_full_path()
        try:
            change, hit = pages.page_at_current_change(_KEY, f":{path}")
        except DatabaseError:  # the cache tables are missing: migrate has not run yet
            logger.warning("The page cache is unavailable; serving the page uncached.")
            return view(request, *args, **kwargs)
        request.page_change = change
        if hit is not None:
            content_type, packed = hit
            response = HttpResponse(zlib.decompress(packed), content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if _cacheable_response(request, response):
            packed = zlib.compress(response.content)
            pages.set(f"{_KEY}{change}:{path}", (response["Content-Type"], packed))
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
