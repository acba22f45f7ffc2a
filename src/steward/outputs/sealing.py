"""Sealing what must never be stored in clear: an uploaded table's own counts.

AES-256-GCM under one key of the key service (`outputs.tables`), so that a copy of the
database alone reveals no small cell.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from steward.dataplane.keys import LocalKeyFile

KEY_ID = "outputs.tables"
CONTEXT = b"steward-outputs-sealed/1"
NONCE_BYTES = 12


def _key(create: bool) -> bytes:
    keys = LocalKeyFile(settings.KEY_FILE)
    return keys.create_key(KEY_ID) if create else keys.get_key(KEY_ID)


def seal(payload: dict[str, Any]) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return nonce + AESGCM(_key(create=True)).encrypt(nonce, plain, CONTEXT)


def unseal(blob: bytes) -> dict[str, Any]:
    """Raise KeyServiceError when the key is gone, InvalidTag when the blob was altered."""
    blob = bytes(blob)
    nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    return json.loads(AESGCM(_key(create=False)).decrypt(nonce, sealed, CONTEXT))
