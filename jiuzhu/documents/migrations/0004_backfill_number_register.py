"""Fill the 文号 register for numbers given out before it existed: each serial of a sequence gets the
document that carries it, or is recorded as void when no document carries it."""

import re

from django.db import migrations
from jiuzhu.core import clock

SERIAL = re.compile(r"〔(\d{4})〕(\d+)号$")


def backfill(apps, schema_editor):
    Sequence = apps.get_model("documents", "DocumentNumberSequence")
    Number = apps.get_model("documents", "DocumentNumber")
    Document = apps.get_model("documents", "IssuedDocument")
    for seq in Sequence.objects.all():
        documents = {}
        candidates = Document.objects.filter(issued_at__year__gte=seq.year - 1).exclude(kind="delegation_letter")
        for doc in candidates.filter(handling_org=seq.organisation_id) | candidates.filter(
            handling_org__isnull=True, issuing_org=seq.organisation_id
        ):
            match = SERIAL.search(doc.number)
            if match and int(match.group(1)) == seq.year:
                serial = int(match.group(2))
                # A revoked document and its reissue can share a serial: the register keeps the one in force.
                if serial not in documents or documents[serial].revoked:
                    documents[serial] = doc
        for serial in range(1, seq.last_number + 1):
            if Number.objects.filter(organisation_id=seq.organisation_id, year=seq.year, serial=serial).exists():
                continue
            doc = documents.get(serial)
            Number.objects.create(
                organisation_id=seq.organisation_id,
                year=seq.year,
                serial=serial,
                number=doc.number if doc else f"〔{seq.year}〕{serial}号",
                kind=doc.kind if doc else "",
                title=doc.title if doc else "",
                area_code=doc.area_code if doc else "",
                status="issued" if doc else "void",
                document_id=doc.pk if doc else None,
                reserved_by_id=doc.issued_by_id if doc else None,
                reserved_at=doc.issued_at if doc else clock.now(),
                void_reason="" if doc else "登记簿建立前给出的号码，未找到对应文书",
            )


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_number_register")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
