"""Benchmarks (not tests): `make bench` runs them against a throwaway PostgreSQL cluster, `make bench
DB=sqlite` against a new SQLite file (var/bench.sqlite3).

Each prints its figures and the ratio to its baseline. Run one with `python -m bench import_households`.
Files they write go to a temporary directory unless JIUZHU_MEDIA_ROOT is set.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

BENCHES = [
    "import_households",
    "payroll",
    "warnings_scan",
    "documents",
    "pages",
    "exports",
    "search_plan",
    "monitoring_import",
]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    os.environ.setdefault("DEBUG", "true")
    if not os.environ.get("JIUZHU_MEDIA_ROOT"):
        import atexit
        import shutil
        import tempfile

        media = tempfile.mkdtemp(prefix="jiuzhu-bench-media-")
        os.environ["JIUZHU_MEDIA_ROOT"] = media
        atexit.register(shutil.rmtree, media, True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jiuzhu.orgs.models import Jurisdiction

    if not Jurisdiction.objects.exists():
        call_command("load_demo", verbosity=0)
    names = argv or BENCHES
    for name in names:
        print(f"== bench {name} ==", flush=True)
        import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
