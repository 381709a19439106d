"""AR1, seed 000: where each paper file is kept; one hand-over; the bulk move when authority is delegated."""

import pytest

from jiuzhu.archive import custody
from jiuzhu.archive.models import CustodyBatch, CustodyTransfer, FileCustody
from jiuzhu.core.errors import Forbidden, NotFound, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.orgs.models import Jurisdiction, Organisation
from tests.helpers import client_for, d, make_household, user

pytestmark = pytest.mark.django_db

BUREAU = "230502000000"


def org(code, kind):
    return Organisation.objects.get(jurisdiction_id=code, kind=kind)


def test_AR1_register_then_transfer_keeps_history_and_audits():
    household = make_household()
    anbang, bureau = org("230502200000", "township"), org(BUREAU, "bureau")
    assert [o.pk for o in custody.custodians_for(household)] == [anbang.pk, bureau.pk]
    kept = custody.custody_transfer(
        by=user("ab_caseworker"),
        household=household,
        to=anbang,
        on=d("2026-11-03"),
        reason="",
        location="3 号柜",
    )
    assert kept.custodian == anbang and kept.version == 1
    with pytest.raises(ValidationFailed, match="已由安邦乡人民政府保管"):
        custody.custody_transfer(
            by=user("ab_caseworker"), household=household, to=anbang, on=d("2026-11-04"), reason="x"
        )
    with pytest.raises(ValidationFailed, match="移交原因"):
        custody.custody_transfer(
            by=user("js_bureau"), household=household, to=bureau, on=d("2026-11-05"), reason=""
        )
    with pytest.raises(ValidationFailed, match="不能早于"):
        custody.custody_transfer(
            by=user("js_bureau"), household=household, to=bureau, on=d("2026-11-01"), reason="抽查"
        )
    kept = custody.custody_transfer(
        by=user("js_bureau"), household=household, to=bureau, on=d("2026-11-05"), reason="县局抽查调阅"
    )
    assert kept.custodian == bureau and kept.version == 2 and kept.since == d("2026-11-05")
    history = list(custody.history(household))
    assert [(t.from_org, t.to_org) for t in history] == [(None, anbang), (anbang, bureau)]
    events = AuditEvent.objects.filter(object_type="registry.household", object_id=str(household.pk))
    assert {e.action for e in events} >= {"custody.register", "custody.transfer"}
    moved = events.get(action="custody.transfer")
    assert moved.before["custodian"] == "安邦乡人民政府" and moved.after["custodian"] == "尖山区民政局"


def test_AR1_only_the_township_or_the_bureau_may_keep_a_file_and_only_staff_who_process_cases_move_it():
    household = make_household()
    other_street = org("230502004000", "township")
    with pytest.raises(ValidationFailed, match="只能由所在乡镇"):
        custody.custody_transfer(
            by=user("js_bureau"), household=household, to=other_street, on=d("2026-11-03"), reason=""
        )
    with pytest.raises(Forbidden):
        custody.custody_transfer(
            by=user("ab_assistant"),
            household=household,
            to=org("230502200000", "township"),
            on=d("2026-11-03"),
            reason="",
        )
    with pytest.raises(NotFound):
        custody.custody_transfer(
            by=user("emr_caseworker"),
            household=household,
            to=org("230502200000", "township"),
            on=d("2026-11-03"),
            reason="",
        )
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        custody.custody_transfer(
            by=user("ab_caseworker"),
            household=household,
            to=org("230502200000", "township"),
            on=d("2027-01-01"),
            reason="",
        )
    assert not FileCustody.objects.filter(household=household).exists()


def _bureau_files():
    """Urban households in two street offices and a rural one, all kept by the bureau before delegation."""
    bureau = org(BUREAU, "bureau")
    urban_a = make_household(by="js_bureau", area="230502004001", address="光明社区1栋", urban_rural="urban")
    urban_b = make_household(by="js_bureau", area="230502001002", address="站前社区2栋", urban_rural="urban")
    rural = make_household(by="js_bureau", urban_rural="rural")
    for h in (urban_a, urban_b, rural):
        custody.custody_transfer(by=user("js_bureau"), household=h, to=bureau, on=d("2021-06-01"), reason="")
    return bureau, urban_a, urban_b, rural


def test_seed000_urban_files_of_the_county_move_to_their_street_offices():
    bureau, urban_a, urban_b, rural = _bureau_files()
    county = Jurisdiction.objects.get(code=BUREAU)
    plan = custody.bulk_plan(
        user=user("js_bureau"), county=county, from_org=bureau, urban_rural="urban", township_codes=[]
    )
    assert plan.by_township == {"230502004000": 1, "230502001000": 1} and plan.total == 2
    batch = custody.custody_bulk_transfer(
        by=user("js_bureau"),
        county=county,
        from_org=bureau,
        on=d("2021-07-01"),
        basis="尖山区权限下放实施方案",
    )
    assert (batch.moved, batch.skipped) == (2, 0)
    assert FileCustody.objects.get(household=urban_a).custodian == org("230502004000", "township")
    assert FileCustody.objects.get(household=urban_b).custodian == org("230502001000", "township")
    assert FileCustody.objects.get(household=rural).custodian == bureau  # rural files are not part of it
    moved = CustodyTransfer.objects.filter(batch=batch)
    assert moved.count() == 2 and all(t.from_org == bureau and t.on == d("2021-07-01") for t in moved)
    assert FileCustody.objects.get(household=urban_a).version == 2
    event = AuditEvent.objects.get(action="custody.bulk_transfer", object_id=str(batch.pk))
    assert event.after["moved"] == 2 and event.reason == "尖山区权限下放实施方案"
    # repeating moves nothing: the bureau no longer keeps those files
    again = custody.custody_bulk_transfer(
        by=user("js_bureau"), county=county, from_org=bureau, on=d("2021-07-02"), basis="再次执行"
    )
    assert again.moved == 0
    # the household file shows the move
    page = client_for("emr_caseworker").get(f"/archive/households/{urban_a.pk}/").content.decode()
    assert "尖山区民政局 → 二马路街道办事处" in page and "批量移交" in page


def test_seed000_bulk_transfer_limited_to_townships_and_only_by_the_bureau():
    bureau, urban_a, urban_b, _rural = _bureau_files()
    county = Jurisdiction.objects.get(code=BUREAU)
    with pytest.raises(Forbidden):
        custody.custody_bulk_transfer(
            by=user("js_inspector"), county=county, from_org=bureau, on=d("2021-07-01"), basis="x"
        )
    with pytest.raises(NotFound):
        custody.custody_bulk_transfer(
            by=user("qj_bureau"), county=county, from_org=bureau, on=d("2021-07-01"), basis="x"
        )
    with pytest.raises(ValidationFailed, match="保管起始日晚于"):
        custody.custody_bulk_transfer(
            by=user("js_bureau"), county=county, from_org=bureau, on=d("2021-05-01"), basis="x"
        )
    batch = custody.custody_bulk_transfer(
        by=user("js_bureau"),
        county=county,
        from_org=bureau,
        on=d("2021-07-01"),
        basis="试点",
        township_codes=["230502004000"],
    )
    assert batch.moved == 1 and FileCustody.objects.get(household=urban_b).custodian == bureau
    assert FileCustody.objects.get(household=urban_a).custodian.name == "二马路街道办事处"
    assert CustodyBatch.objects.count() == 1


def test_bulk_transfer_page_previews_then_moves():
    bureau, urban_a, _b, _r = _bureau_files()
    c = client_for("js_bureau")
    assert c.get("/archive/custody/bulk/").status_code == 200
    form = {"county": BUREAU, "urban_rural": "urban", "on": "2021-07-01", "basis": "实施方案"}
    preview = c.post("/archive/custody/bulk/", {**form, "confirm": "0"})
    assert preview.status_code == 200 and "将由尖山区民政局移交" in preview.content.decode()
    assert FileCustody.objects.get(household=urban_a).custodian == bureau
    done = c.post("/archive/custody/bulk/", {**form, "confirm": "1"})
    assert done.status_code == 302
    assert FileCustody.objects.get(household=urban_a).custodian.name == "二马路街道办事处"
