"""A pytest plugin, loaded with `-p` before Django's settings are read: development settings
and a throw-away data folder, unless the caller chose otherwise."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("STEWARD_DEBUG", "true")
if "STEWARD_DATA_DIR" not in os.environ:
    _root = tempfile.mkdtemp(prefix="steward-test-")
    os.environ["STEWARD_DATA_DIR"] = os.path.join(_root, "var")
    os.environ.setdefault("STEWARD_KEY_FILE", os.path.join(_root, "keys", "keys.json"))
