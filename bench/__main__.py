"""Benchmarks (not tests): `make bench` runs them against a throwaway PostgreSQL cluster.

Each prints its figures and the ratio to its baseline. Run one with `python -m bench import_households`.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

BENCHES = ["import_households", "payroll", "warnings_scan"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    os.environ.setdefault("DEBUG", "true")
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
