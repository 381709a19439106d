"""S8: a complainant's name and contact are seen only by the bureau's complaint handlers, never by the
township or village the complaint concerns, nor by a staff member the complaint names — in pages, API,
exports, the event feed and the findings a complaint leads to. Every role against every kind of complaint:
a hotline complaint, one that names a bureau inspector, and one from the citizen portal."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client

from jiuzhu.core import clock
from jiuzhu.core.errors import Forbidden, ValidationFailed
from jiuzhu.core.models import AuditEvent
from jiuzhu.events import feed
from jiuzhu.portal import services as portal
from jiuzhu.supervision.models import Complaint
from jiuzhu.supervision.services import complaints
from tests.helpers import ALL_JIANSHAN_USERS, ANBANG, ANBANG_VILLAGE, body_of, client_for, d, user

pytestmark = pytest.mark.django_db

HANDLERS = {"js_bureau", "js_inspector"}  # the bureau's complaint handlers (COMPLAINANT_VIEW)

# (name, contact) of each complainant; every string must be unique in the rendered output.
HOTLINE = ("欧阳振华", "13911112222")
NAMING = ("司马晓燕", "13933334444")
PORTAL = ("诸葛明亮", "13955556666")


def _world(django_capture_on_commit_callbacks):
    bureau = user("js_bureau")
    hotline = complaints.complaint_submit(
        by=bureau,
        channel="hotline",
        content="反映某户有营运车辆仍享受低保",
        area_code=ANBANG_VILLAGE,
        complainant=HOTLINE[0],
        contact=HOTLINE[1],
    )
    naming = complaints.complaint_submit(
        by=bureau,
        channel="visit",
        content="反映督查人员接到举报后不作为",
        area_code=ANBANG,
        complainant=NAMING[0],
        contact=NAMING[1],
        named_staff=[user("js_inspector")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        portal.complaint_submit(
            kind="complaint",
            area_code=ANBANG,
            content="村协理员办理低保拖延，态度恶劣",
            name=PORTAL[0],
            phone=PORTAL[1],
            ip="10.0.0.9",
        )
    online = Complaint.objects.get(channel="online")
    # The township handles the matter: it investigates (a finding follows) and replies.
    complaints.complaint_assign(by=bureau, complaint=hotline, assignee=user("ab_caseworker"))
    complaints.complaint_investigate(
        by=user("ab_caseworker"),
        complaint=hotline,
        method="visit",
        investigation="入户核实属实",
        substantiated=True,
        on=d("2026-11-20"),
    )
    return {"hotline": hotline, "naming": naming, "online": online}


def _xlsx_text(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(body_of(response)), read_only=True)
    return " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row)


def _everything_seen_by(username: str, world) -> str:
    """Every page, export and API answer about complaints that this user may open, as one text."""
    c = client_for(username)
    seen = []

    def read(url, export=False):
        r = c.get(url)
        assert r.status_code in (200, 403, 404), (url, r.status_code)
        if r.status_code == 200:
            seen.append(_xlsx_text(r) if export else r.content.decode())

    read("/supervision/complaints/")
    read("/supervision/complaints/?export=xlsx", export=True)
    read("/supervision/queue/")
    read("/supervision/findings/")
    read("/supervision/findings/?export=xlsx", export=True)
    read("/portal/staff/complaints/")
    read("/api/v1/supervision/complaints")
    read("/api/v1/supervision/queue")
    read("/api/v1/supervision/findings")
    read("/api/v1/events?limit=500")
    for complaint in world.values():
        read(f"/supervision/complaints/{complaint.pk}/")
        read(f"/api/v1/supervision/complaints/{complaint.pk}")
        read(f"/api/v1/supervision/complaints/{complaint.pk}/complainant")
        for finding in complaint.findings.all():
            read(f"/supervision/findings/{finding.pk}/")
    return "\n".join(seen)


@pytest.mark.parametrize("username", ALL_JIANSHAN_USERS)
def test_S8_complainant_seen_only_by_bureau_handlers_not_named(username, django_capture_on_commit_callbacks):
    world = _world(django_capture_on_commit_callbacks)
    clock.advance(feed.LAG + timedelta(seconds=1))  # the event feed holds back the newest events
    text = _everything_seen_by(username, world)
    sees = {
        HOTLINE: username in HANDLERS,
        NAMING: username == "js_bureau",  # the complaint names js_inspector
        PORTAL: username in HANDLERS,
    }
    for person, visible in sees.items():
        for value in person:
            assert (value in text) is visible, (username, value)


@pytest.mark.parametrize("username", ["ab_caseworker", "ab_approver", "ab_assistant", "emr_caseworker"])
def test_S8_township_and_village_see_only_the_matter(username, django_capture_on_commit_callbacks):
    world = _world(django_capture_on_commit_callbacks)
    c = client_for(username)
    r = c.get(f"/supervision/complaints/{world['hotline'].pk}/")
    if username.startswith("ab_") and username != "ab_assistant":
        body = r.content.decode()
        assert r.status_code == 200 and "营运车辆" in body and "保密" in body
        assert c.get(f"/api/v1/supervision/complaints/{world['hotline'].pk}/complainant").status_code == 403
    else:  # the village has no complaint work; another township does not see the complaint at all
        assert r.status_code in (403, 404)


def test_S8_every_read_of_a_complainant_is_logged(django_capture_on_commit_callbacks):
    world = _world(django_capture_on_commit_callbacks)
    before = AuditEvent.objects.filter(action="pii.complainant").count()
    r = client_for("js_bureau").get(f"/api/v1/supervision/complaints/{world['hotline'].pk}/complainant")
    assert r.json() == {"anonymous": False, "name": HOTLINE[0], "contact": HOTLINE[1]}
    client_for("js_inspector").get(f"/supervision/complaints/{world['hotline'].pk}/")
    assert AuditEvent.objects.filter(action="pii.complainant").count() == before + 2


def test_S8_named_staff_cannot_handle_or_call_back(django_capture_on_commit_callbacks):
    world = _world(django_capture_on_commit_callbacks)
    naming = world["naming"]
    with pytest.raises(ValidationFailed, match="反映了"):
        complaints.complaint_assign(by=user("js_bureau"), complaint=naming, assignee=user("js_inspector"))
    with pytest.raises(Forbidden):
        complaints.complaint_complainant(by=user("js_inspector"), complaint=naming)
    # the township replies, but only the bureau calls the complainant back (it alone has the number)
    hotline = world["hotline"]
    complaints.complaint_reply(
        by=user("ab_caseworker"), complaint=hotline, reply="已停发", on=d("2026-11-20")
    )
    with pytest.raises(Forbidden):
        complaints.complaint_return_visit(
            by=user("ab_caseworker"), complaint=hotline, on=d("2026-11-20"), satisfaction="satisfied"
        )
    page = client_for("ab_caseworker").get(f"/supervision/complaints/{hotline.pk}/").content.decode()
    assert "登记回访并办结" not in page
    complaints.complaint_return_visit(
        by=user("js_bureau"), complaint=hotline, on=d("2026-11-20"), satisfaction="satisfied"
    )


def test_S8_intake_page_and_api_record_named_staff():
    r = client_for("js_bureau").post(
        "/api/v1/supervision/complaints",
        {
            "channel": "hotline",
            "content": "反映经办人员索要好处",
            "area_code": ANBANG,
            "complainant": "王某",
            "contact": "13000000000",
            "named_staff_ids": [user("ab_caseworker").pk],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    complaint = Complaint.objects.get(pk=r.json()["id"])
    assert list(complaint.named_staff.all()) == [user("ab_caseworker")]
    before = Complaint.objects.count()
    r = client_for("js_bureau").post(
        "/api/v1/supervision/complaints",
        {
            "channel": "hotline",
            "content": "反映某人",
            "area_code": ANBANG,
            "anonymous": True,
            "named_staff_ids": [999999],
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and Complaint.objects.count() == before
    r = client_for("js_bureau").post(
        "/supervision/complaints/new/",
        {
            "channel": "letter",
            "received_on": "2026-11-20",
            "area_code": ANBANG,
            "anonymous": "on",
            "content": "来信反映审批负责人优亲厚友",
            "named_staff": [str(user("ab_approver").pk)],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert list(Complaint.objects.latest("pk").named_staff.all()) == [user("ab_approver")]
    assert Client().get("/api/v1/supervision/complaints").status_code in (401, 403)
