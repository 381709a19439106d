"""The published demo keys of the prebuilt demo database (decision D-222) and the DEBUG key file they are written
to. Standard library only: the settings (through keyconfig) and the fixture installer, which runs before Django
is set up, both use it."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEV_KEY_FILE = "dev-keys.json"
# Published with the demo database fixture (demo/): anyone can read them, so they protect nothing. Used only
# by a DEBUG demo that installed the fixture; load_keys refuses them when DEBUG is off.
DEMO_KEYS = {
    "field": "aml1emh1LXB1YmxpYy1kZW1vLWZpZWxkLWtleS4uLi4=",
    "index": "aml1emh1LXB1YmxpYy1kZW1vLWluZGV4LWtleS4uLi4=",
    "audit": "aml1emh1LXB1YmxpYy1kZW1vLWF1ZGl0LWtleS4uLi4=",
}


def install_demo_keys(var_dir: Path) -> bool:
    """Write DEMO_KEYS as the DEBUG key file unless one exists; True when the file now holds the demo keys."""
    path = var_dir / DEV_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            return json.loads(path.read_text()) == DEMO_KEYS
        except (OSError, ValueError):
            return False
    with os.fdopen(fd, "w") as fh:
        json.dump(DEMO_KEYS, fh)
    return True
