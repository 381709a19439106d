"""Writing a checked household import: the good households (all of them, or nothing when there are errors
and the user did not choose to skip the bad ones) with bulk inserts, and one audit event for the import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from jiuzhu.core import audit, bulk, clock, crypto
from jiuzhu.core.masking import mask_id_number
from jiuzhu.orgs import authz
from jiuzhu.orgs.models import User
from jiuzhu.orgs.roles import Perm
from jiuzhu.registry.identity import ID_PURPOSE
from jiuzhu.registry.imports.checking import CHUNK, Preview
from jiuzhu.registry.models import Household, Member, Relation

HOUSEHOLD_COLUMNS = (
    "id",
    "area_code",
    "address",
    "urban_rural",
    "hukou_area_code",
    "hukou_address",
    "phone",
    "head_name",
    "head_id_masked",
    "external_key",
    "is_active",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = (
    "household_id",
    "area_code",
    "name",
    "id_cipher",
    "id_index",
    "id_masked",
    "birth_date",
    "sex",
    "relation",
    "hukou_area_code",
    "disability",
    "disability_grade",
    "work_ability",
    "serious_illness",
    "illness_note",
    "schooling",
    "employment",
    "covered",
    "covered_note",
    "is_active",
    "left_on",
    "left_reason",
    "created_at",
    "updated_at",
)


def commit(
    user: User,
    preview: Preview,
    *,
    good_only: bool,
    source: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write the good households (all of them, or nothing when there are errors and not `good_only`)."""
    if preview.errors and not good_only:
        return {
            "created_households": 0,
            "created_members": 0,
            "skipped_households": preview.bad_households,
            "committed": False,
        }
    good = preview.good
    now = clock.now()
    created_members = 0
    with transaction.atomic():
        membership = authz.membership_for(user, Perm.DATA_IMPORT) or authz.membership_for(
            user, Perm.HOUSEHOLD_EDIT
        )
        for start in range(0, len(good), CHUNK):
            batch = good[start : start + CHUNK]
            heads = [next(m for m in h.members if m.values["relation"] == Relation.HEAD) for h in batch]
            ids: list[int | None] = (
                list(bulk.allocate_ids(Household, len(batch))) if bulk.is_postgres() else [None] * len(batch)
            )
            household_rows = [
                (
                    pk,
                    h.values["area_code"],
                    h.values["address"],
                    h.values["urban_rural"],
                    h.values["hukou_area_code"],
                    "",
                    h.values["phone"],
                    head.values["name"],
                    mask_id_number(head.values["number"]),
                    h.key,
                    True,
                    1,
                    user.pk,
                    now,
                    now,
                )
                for pk, h, head in zip(ids, batch, heads, strict=True)
            ]
            if bulk.is_postgres():
                bulk.insert_rows(Household, HOUSEHOLD_COLUMNS, household_rows)
            else:
                ids = [
                    h.pk
                    for h in Household.objects.bulk_create(
                        [
                            Household(**dict(zip(HOUSEHOLD_COLUMNS[1:], row[1:], strict=True)))
                            for row in household_rows
                        ]
                    )
                ]
            member_rows = []
            for household_id, parsed in zip(ids, batch, strict=True):
                area = parsed.values["area_code"]
                for m in parsed.members:
                    v = m.values
                    member_rows.append(
                        (
                            household_id,
                            area,
                            v["name"],
                            crypto.encrypt(v["number"], purpose=ID_PURPOSE),
                            crypto.blind_index(v["number"], purpose=ID_PURPOSE),
                            mask_id_number(v["number"]),
                            v["birth_date"],
                            v["sex"],
                            v["relation"],
                            v["hukou_area_code"],
                            v["disability"],
                            v["disability_grade"],
                            v["work_ability"],
                            v["serious_illness"],
                            "",
                            v["schooling"],
                            v["employment"],
                            v["covered"],
                            v["covered_note"],
                            True,
                            None,
                            "",
                            now,
                            now,
                        )
                    )
            if bulk.is_postgres():
                member_ids = bulk.allocate_ids(Member, len(member_rows))
                bulk.insert_rows(
                    Member,
                    ("id", *MEMBER_COLUMNS),
                    [(pk, *row) for pk, row in zip(member_ids, member_rows, strict=True)],
                )
            else:
                bulk.insert_rows(Member, MEMBER_COLUMNS, member_rows)
            members = member_rows
            created_members += len(members)
            if progress:
                progress(start + len(batch))
        area = _common_area([h.values["area_code"] for h in good])
        audit.record(
            actor=user,
            membership=membership,
            action="household.import",
            area_code=area,
            object_type="registry.household",
            object_repr=f"批量导入 {len(good)} 户",
            after={
                "households": len(good),
                "members": created_members,
                "source": source,
                "skipped_households": preview.bad_households,
                "errors": len(preview.errors),
            },
        )
    # No "errors" here: the job's result already lists them (and counts them in error_count).
    return {
        "created_households": len(good),
        "created_members": created_members,
        "skipped_households": preview.bad_households,
        "committed": True,
    }


def _common_area(codes: list[str]) -> str:
    """The most specific jurisdiction prefix all codes share, padded to 12 digits (for scoping the event)."""
    if not codes:
        return ""
    for length in (12, 9, 6, 4, 2):
        if len({c[:length] for c in codes}) == 1:
            return codes[0][:length].ljust(12, "0")
    return ""
