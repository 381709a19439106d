"""The prebuilt demo database (decision D-222): a demo year walked once by `manage.py build_demo_fixture` and
shipped compressed in demo/, so that `make run` serves a county with a year of history in minutes instead of
walking it for most of an hour.

The archive holds what the walk left in its var directory: the SQLite database (one file, vacuumed), the stored
files (issued PDFs, bank files …) and the record of how far the walk went (demo_year.STATE_FILE). Its encrypted
fields and audit MACs were made with the published core.demo_keys.DEMO_KEYS; installing writes those keys as the
DEBUG key file, so the installed demo reads its own data. After installing, `load_demo --catch-up` walks on from
the day the fixture was built to today.

`install` runs before Django is set up (settings would create a random key file first), so this module imports
nothing of Django at its top.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from jiuzhu.core.demo_keys import DEV_KEY_FILE, install_demo_keys

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "demo" / "jiuzhu-demo.tar.xz"
DATABASE = "jiuzhu.sqlite3"  # settings' default database name in the var directory
STATE_FILE = "demo-walk.json"  # demo_year.STATE_FILE (not imported: that module needs Django)
# What of the walk's var directory travels: the rest is made again on start (static files, logs, keys).
PACKED = (DATABASE, STATE_FILE, "media", "audit-checkpoints")
# Variables of the building process that must not reach the walk's: it runs on the demo keys, in its own var.
_OWN = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "JIUZHU_VAR_DIR",
    "JIUZHU_MEDIA_ROOT",
    "JIUZHU_AUDIT_CHECKPOINT_DIR",
)
_KEY_VARIABLES = (
    "FIELD_ENCRYPTION_KEY",
    "BLIND_INDEX_KEY",
    "AUDIT_MAC_KEY",
    "JIUZHU_OLD_KEYS",
    "JIUZHU_TESTING",
)


class NotInstalled(Exception):
    """Why the fixture was not installed (the caller loads the demo another way)."""


def install(var_dir: Path, fixture: Path = FIXTURE) -> None:
    """Unpack the fixture into an empty var directory and make its keys the DEBUG keys there."""
    if not fixture.is_file():
        raise NotInstalled(f"没有预建演示库 {fixture}")
    if _has_data(var_dir / DATABASE):
        raise NotInstalled(f"{var_dir / DATABASE} 已有数据")
    var_dir.mkdir(parents=True, exist_ok=True)
    if not install_demo_keys(var_dir):
        raise NotInstalled(f"{var_dir / DEV_KEY_FILE} 中已有其他密钥（预建演示库需用公开的演示密钥）")
    with (
        tempfile.TemporaryDirectory(dir=var_dir, prefix=".demo-") as scratch,
        tarfile.open(fixture) as archive,
    ):
        archive.extractall(scratch, filter="data")  # refuses absolute paths, links out and devices
        for name in PACKED:
            source, target = Path(scratch) / name, var_dir / name
            if not source.exists():
                continue
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                os.replace(source, target)
        for stale in ("-wal", "-shm"):  # of the empty database the fixture replaced
            (var_dir / (DATABASE + stale)).unlink(missing_ok=True)


def _has_data(database: Path) -> bool:
    """A database with places in it (load_demo --if-empty's test); a migrated but empty one has none."""
    if not database.exists():
        return False
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return db.execute("SELECT 1 FROM orgs_jurisdiction LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # no such table: not migrated yet
        return False
    finally:
        db.close()


def build(*, output: Path, households: int, python: str = sys.executable) -> dict:
    """Walk a demo year in a new var directory on the demo keys, then pack it into `output` (.tar.xz).
    The walk runs in child processes of this one, with this one's clock (a frozen one is passed on)."""
    with tempfile.TemporaryDirectory(prefix="jiuzhu-demo-build-") as work:
        var_dir = Path(work) / "var"
        var_dir.mkdir()
        install_demo_keys(var_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN + _KEY_VARIABLES)}
        env.update({"DEBUG": "true", "JIUZHU_VAR_DIR": str(var_dir)})
        for command in (["migrate", "--noinput"], ["load_demo", "--year", "--households", str(households)]):
            subprocess.run([python, str(ROOT / "manage.py"), *command], cwd=ROOT, env=env, check=True)  # noqa: S603 - our own manage.py
        return pack(var_dir, output)


def pack(var_dir: Path, output: Path) -> dict:
    """Pack what a finished walk left in `var_dir` into `output`; returns the walk's record (STATE_FILE)."""
    with tempfile.TemporaryDirectory(prefix="jiuzhu-demo-pack-") as work:
        packed = Path(work)
        # One file without its WAL, and smaller: VACUUM INTO writes a compacted copy.
        db = sqlite3.connect(var_dir / DATABASE)
        try:
            db.execute("VACUUM INTO ?", (str(packed / DATABASE),))
        finally:
            db.close()
        for name in PACKED[1:]:
            source = var_dir / name
            if source.is_dir():
                shutil.copytree(source, packed / name)
            elif source.exists():
                shutil.copy2(source, packed / name)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:xz", preset=9) as archive:
            for name in PACKED:
                if (packed / name).exists():
                    archive.add(packed / name, arcname=name, filter=_plain)
        os.replace(partial, output)
        return json.loads((packed / STATE_FILE).read_text(encoding="utf-8"))


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner or permission bits of the building machine in the archive."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def main(argv: list[str]) -> int:
    """`python -m jiuzhu.console.demo_fixture install VAR_DIR`: exit 0 when installed or the database has data
    already, 3 when it could not be installed (and why)."""
    if len(argv) != 2 or argv[0] != "install":
        print("usage: python -m jiuzhu.console.demo_fixture install VAR_DIR", file=sys.stderr)
        return 2
    if _has_data(Path(argv[1]) / DATABASE):
        return 0  # the usual restart: the demo is there already
    try:
        install(Path(argv[1]))
    except NotInstalled as reason:
        print(f"未安装预建演示库：{reason}", file=sys.stderr)
        return 3
    print(f"已安装预建演示库（{FIXTURE.name}，演示密钥写入 {Path(argv[1]) / DEV_KEY_FILE}）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
