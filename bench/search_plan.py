"""The bureau's household search by name at province scale: the query plan and its time (PostgreSQL).

Data: the county of the page benchmark (`bench.pages.ensure_data`, 10^6 households by default). Prints how
long preparing the data took, then for a rare name, a common one and an address the plan of the list's
page query and of its count (EXPLAIN ANALYZE) as js_bureau sees them, and the time of each; for the common
name also the plan without the list's match limit (what the export runs, and what the page ran before), and
for an ID number the plan of its blind-index search.
"""

from __future__ import annotations

import os
import time

from django.db import connection

from bench import pages
from jiuzhu.orgs.models import User
from jiuzhu.registry.identity import id_indexes_of
from jiuzhu.registry.models import Member
from jiuzhu.registry.selectors import search_households

# A made-up number given to one generated member (the generators write placeholder indexes).
ID_NUMBER = "230502198001010011"


def _explain(sql: str, params) -> tuple[float, list[str]]:
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    return time.perf_counter() - t0, lines


def run() -> None:
    t0 = time.perf_counter()
    pages.ensure_data()
    print(f"data ready in {time.perf_counter() - t0:.0f}s", flush=True)
    if connection.vendor != "postgresql":
        print("query plans: PostgreSQL only")
        return
    bureau = User.objects.get(username="js_bureau")
    last = pages.Household.objects.filter(external_key__startswith="WB").order_by("-id").first()
    number = last.external_key[2:] if last else "1"
    member = Member.objects.filter(household=last).order_by("id").first()
    if member is not None:
        Member.objects.filter(pk=member.pk).update(id_index=id_indexes_of(ID_NUMBER)[0])
    searches = [
        ("rare name", {"q": f"户主{number}"}),
        ("common name", {"q": "户主12"}),
        ("common name, unlimited (export)", {"q": "户主12", "match_limit": None}),
        ("common name in one township", {"q": "户主12", "area": "230502200000"}),
        ("address", {"q": "村1组"}),
        ("ID number", {"id_number": ID_NUMBER}),
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for label, kw in searches:
        q = kw.get("q") or kw.get("id_number")
        qs = search_households(bureau, **kw).order_by("-id")
        page_sql, page_params = qs[:50].query.sql_with_params()
        count_sql, count_params = qs.order_by().values("pk").query.sql_with_params()
        seconds, plan = _explain(page_sql, page_params)
        print(f"\n== {label} {q!r}: page query {seconds * 1000:.0f} ms", flush=True)
        print("\n".join(plan[:40]))
        seconds, plan = _explain(f"SELECT COUNT(*) FROM ({count_sql}) s", count_params)
        print(f"-- count {seconds * 1000:.0f} ms; {plan[-1]}", flush=True)
        print("\n".join(line for line in plan[:30] if "->" in line or line == plan[0]))
    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
