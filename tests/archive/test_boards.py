"""P2, S12: the public notice board of a village — masked names, no ID numbers, no minors, the hotline —
the long-term list of recipients, and the printable PDF."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from jiuzhu.archive import boards, services
from jiuzhu.core import clock, crypto
from jiuzhu.core.dates import month_start
from jiuzhu.core.services import param_set
from jiuzhu.orgs.models import Jurisdiction
from jiuzhu.registry.identity import ID_PURPOSE
from tests.archive.helpers import approved_case
from tests.helpers import ANBANG_VILLAGE, client_for, d, make_household, member, user

pytestmark = pytest.mark.django_db


def _ids(household) -> list[str]:
    """Every form of every member's ID number: full, masked, and the birth-date part."""
    out = []
    for m in household.members.all():
        full = crypto.decrypt(m.id_cipher, purpose=ID_PURPOSE)
        out += [full, m.id_masked, full[6:14], full[-4:] + "\n"]
    return out


def _minor_headed():
    """A household whose registered head is 16, living with the grandmother."""
    return make_household(
        members=[
            member("李小明", id_kw={"birth": "20100505"}, work_ability="na", schooling="senior"),
            member(
                "李小红",
                "sibling",
                id_kw={"birth": "20140101", "female": True},
                work_ability="na",
                schooling="primary",
            ),
            member("李桂芝", "grandparent", id_kw={"birth": "19500202", "female": True}, work_ability="none"),
        ],
        address="安邦村3组8号",
    )


def test_P2_board_lists_cases_on_notice_with_masked_names_and_no_id_numbers():
    on_notice = approved_case(notice_start="2026-11-14", finalize=False)  # 11-14 … 11-20: on notice today
    board = boards.board_for(ANBANG_VILLAGE)
    assert [(r.name, r.amount, r.start_on, r.end_on) for r in board.notices] == [
        ("王**户", on_notice.meetings.get().amount, d("2026-11-14"), d("2026-11-20"))
    ]
    page = client_for("ab_caseworker").logout() or None
    from django.test import Client

    response = Client().get(f"/board/{ANBANG_VILLAGE}/")  # no login
    assert response.status_code == 200
    html = response.content.decode()
    assert "安邦村社会救助公示栏" in html and "王**户" in html and "1,040.00" in html
    for name in ("王大山", "刘秀兰", "刘*"):
        assert name not in html
    for number in _ids(on_notice.household):
        assert number.strip() not in html
    assert page is None


def test_P2_the_case_public_notice_pdf_never_names_a_minor_head():
    from jiuzhu.cases import documents

    case = approved_case(_minor_headed(), notice_start="2026-11-14", finalize=False)
    doc = documents.issue(by=user("ab_caseworker"), case=case, kind="public_notice")
    with doc.pdf.open("rb") as fh:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)
    assert "某户" in text and "李*" not in text and "李小明" not in text


def test_P2_minors_are_never_listed_a_child_headed_household_is_some_household():
    household = _minor_headed()
    case = approved_case(household, notice_start="2026-11-14", finalize=False)
    board = boards.board_for(ANBANG_VILLAGE)
    assert [r.name for r in board.notices] == ["某户"]
    from django.test import Client

    html = Client().get(f"/board/{ANBANG_VILLAGE}/").content.decode()
    assert "某户" in html and "李" not in html.split('data-testid="board"')[1]
    for number in _ids(case.household):
        assert number.strip() not in html
    data = Client().get(f"/api/v1/boards/{ANBANG_VILLAGE}").json()
    assert [r["name"] for r in data["notices"]] == ["某户"] and "李" not in str(data)


def test_S12_long_term_list_of_recipients_and_amounts():
    approved = approved_case()  # 1 040 a month (B1); notice 11-12 … 11-18, approved 11-20, paid from December
    other_village = approved_case(make_household(area="230502200202", address="长胜村1组"))
    board = boards.board_for(ANBANG_VILLAGE)
    assert board.notices == []  # its notice has ended
    assert [(r.name, r.amount, r.since, r.people) for r in board.recipients] == [
        ("王**户", approved.decision.amount, d("2026-12-01"), approved.decision.covered_members)
    ]
    assert other_village.household.area_code != ANBANG_VILLAGE
    assert len(boards.board_for("230502200202").recipients) == 1
    from django.test import Client

    html = Client().get(f"/board/{ANBANG_VILLAGE}/").content.decode()
    assert "2026年12月" in html and "1,040.00" in html and "合计 1 户" in html


def test_S12_staff_overview_counts_what_each_public_board_shows():
    """The 公示栏 list counts, in the database, the cases on notice and the recipient rows of each village's
    public board: an ended enrolment is on neither."""
    approved_case()  # on the rolls from December
    on_notice = approved_case(notice_start="2026-11-14", finalize=False)
    ended = approved_case(make_household(area="230502200202", address="长胜村1组"))
    ended.enrolment.end_month = month_start(
        month_start(clock.today()) - timedelta(days=1)
    )  # paid to last month
    ended.enrolment.save()
    codes = [ANBANG_VILLAGE, "230502200202"]
    counts = boards.board_counts(codes, clock.today())
    for code in codes:
        board = boards.board_for(code)
        assert counts[code] == (len(board.notices), len(board.recipients))
    assert counts == {ANBANG_VILLAGE: (1, 1), "230502200202": (0, 0)}
    assert on_notice.household.area_code == ANBANG_VILLAGE
    html = client_for("ab_caseworker").get("/archive/boards/").content.decode()
    assert "救助对象名单（条）" in html


def test_S12_hotline_is_the_county_parameter():
    assert boards.board_for(ANBANG_VILLAGE).hotline == "12345"  # the national default
    param_set(
        by=user("js_bureau"),
        key=boards.HOTLINE,
        scope_code="230502000000",
        effective_from=d("2026-01-01"),
        value="0469-4221234",
        reason="区民政局监督电话",
    )
    assert boards.board_for(ANBANG_VILLAGE).hotline == "0469-4221234"
    assert boards.board_for("500110011201").hotline == "12345"  # another county keeps the default
    from django.test import Client

    assert "0469-4221234" in Client().get(f"/board/{ANBANG_VILLAGE}/").content.decode()


def test_P2_board_is_only_for_villages_and_communities():
    from django.test import Client

    for code in ("230502200000", "230502000000", "999999999999", "abc"):
        assert Client().get(f"/board/{code}/").status_code == 404
        assert Client().get(f"/api/v1/boards/{code}").status_code == 404
    assert Client().get("/board/230502004001/").status_code == 200  # a community


def test_P2_S12_printable_board_pdf_is_issued_by_the_township_with_masked_content():
    household = _minor_headed()
    approved_case(household, notice_start="2026-11-14", finalize=False)
    approved_case()
    village = Jurisdiction.objects.get(code=ANBANG_VILLAGE)
    document = services.board_issue(by=user("ab_caseworker"), village=village)
    assert document.kind == "notice_board" and document.authority_name == "安邦乡人民政府"
    assert document.title == "安邦村社会救助公示栏" and document.subject == village
    with document.pdf.open("rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "安邦村社会救助公示栏" in text and "审批结果公示" in text and "社会救助对象名单" in text
    print(text)
    assert "某户" in text and "王**户" in text and "1,040.00" in text and "12345" in text
    for name in ("王大山", "李小明", "李小红", "李桂芝", "刘秀兰"):
        assert name not in text and name not in str(document.content)
    r = client_for("ab_caseworker").post(f"/archive/boards/{ANBANG_VILLAGE}/print/")
    assert r.status_code == 302 and r["Location"].startswith("/documents/")
    listing = client_for("ab_caseworker").get("/archive/boards/").content.decode()
    assert "安邦村" in listing and document.number[:3] in listing
