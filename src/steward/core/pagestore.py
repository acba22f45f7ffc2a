"""Where the public page cache keeps its pages: Django's database cache, with fewer round trips.

A page is stored on the first visit after each change of the database, so storing is on the
path of every such visit. Django's `DatabaseCache.set` counts the table, then selects, then
inserts or updates inside a transaction (five statements); here a page is stored with one
upsert, and the table is counted (and culled past MAX_ENTRIES) on one store in `CULL_EVERY`.
`page_at_current_change` reads the change number and the page stored under it in one query.
"""

from __future__ import annotations

import base64
import itertools
import pickle
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now

CULL_EVERY = 100
_stores = itertools.count(1)  # per process, shared by its threads
_CHANGE = "\x00"  # marks where the change number goes in a key (a path holds no NUL)


class PageStore(DatabaseCache):
    """The database cache for rendered pages (settings.CACHES["pages"])."""

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        seconds = self.get_backend_timeout(timeout)
        expires = datetime.max if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        # Inside a transaction, a failed store must not break it: a savepoint holds it.
        atomic = transaction.atomic(using=connection.alias) if connection.in_atomic_block else None
        try:
            with atomic or nullcontext(), connection.cursor() as cursor:
                if next(_stores) % CULL_EVERY == 0:
                    self._cull_if_full(connection, cursor)
                cursor.execute(
                    f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "  # noqa: S608
                    "ON CONFLICT (cache_key) DO UPDATE "
                    "SET value = excluded.value, expires = excluded.expires",
                    [
                        key,
                        encoded,
                        connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0)),
                    ],
                )
        except DatabaseError:  # as Django's: a page that cannot be stored is rendered again
            return False
        return True

    def _cull_if_full(self, connection, cursor) -> None:
        table = connection.ops.quote_name(self._table)
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        (count,) = cursor.fetchone()
        if count > self._max_entries:
            self._cull(connection.alias, cursor, now().replace(microsecond=0), count)

    def page_at_current_change(self, before: str, after: str) -> tuple[int, Any]:
        """The database's change number, and the value stored under the key `before`, that
        number, `after` (None when there is none), in one query."""
        prefix, suffix = self.make_key(before + _CHANGE + after).split(_CHANGE, 1)
        connection = connections[router.db_for_read(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT latest.id, page.value FROM "  # noqa: S608 - the table is ours
                "(SELECT COALESCE(MAX(id), 0) AS id FROM core_pagechange) latest "
                f"LEFT JOIN {table} page "
                "ON page.cache_key = %s || CAST(latest.id AS TEXT) || %s AND page.expires > %s",
                [prefix, suffix, connection.ops.adapt_datetimefield_value(now())],
            )
            change, value = cursor.fetchone()
        if value is None:
            return change, None
        return change, pickle.loads(base64.b64decode(value.encode()))  # noqa: S301 - our own
