"""The training copy (培训环境): a clock an administrator moves forward, a band on every page and "培训" across
every document — and none of it outside the training copy."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.core import clock
from jiuzhu.core.models import AuditEvent
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def training(settings, tmp_path):
    settings.JIUZHU_TRAINING = True
    settings.JIUZHU_TRAINING_CLOCK_FILE = tmp_path / "training-clock.json"
    yield settings.JIUZHU_TRAINING_CLOCK_FILE


def test_normal_start_has_no_clock_page_and_the_command_refuses():
    # A normal start: the page is not there for anyone, the command refuses and the clock does not move.
    assert client_for("js_admin").get("/settings/training-clock/").status_code == 404
    assert client_for("js_admin").post("/settings/training-clock/", {"move": "week"}).status_code == 404
    with pytest.raises(CommandError, match="只有培训环境"):
        call_command("training_clock", "--week", stdout=StringIO())
    assert clock.now() == clock.local_datetime(
        datetime(2026, 11, 20).date(), datetime(2026, 11, 20, 10).time()
    )
    assert not AuditEvent.objects.filter(action="training.clock_move").exists()
    page = client_for("ab_caseworker").get("/").content.decode()
    assert "培训环境" not in page


def test_normal_start_ignores_an_offset_file_lying_around(settings, tmp_path):
    path = tmp_path / "training-clock.json"
    path.write_text('{"offset_seconds": 864000}')
    settings.JIUZHU_TRAINING_CLOCK_FILE = path  # set, but this is not a training copy
    before = clock.now()
    assert clock.training_offset() == timedelta(0) and clock.now() == before


def test_week_and_next_month_from_the_page_move_the_clock_and_are_audited(training):
    admin = client_for("js_admin")
    page = admin.get("/settings/training-clock/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "培训环境 — 数据非真实" in html and "前进 7 天" in html and "到下月 1 日" in html
    response = admin.post("/settings/training-clock/", {"move": "week"}, follow=True)
    assert clock.today().isoformat() == "2026-11-27"
    assert "2026年11月27日" in response.content.decode()
    admin.post("/settings/training-clock/", {"move": "next_month"})
    assert clock.now() == clock.local_datetime(datetime(2026, 12, 1).date())
    # The offset lives in the file every process of the copy reads; the frozen base is unchanged.
    assert '"offset_seconds"' in training.read_text()
    events = AuditEvent.objects.filter(action="training.clock_move").order_by("seq")
    assert [e.after["move"] for e in events] == ["week", "next_month"]
    assert events[0].actor.username == "js_admin"


def test_a_child_process_of_the_training_copy_reads_the_same_clock(training):
    """The worker and commands are other processes: they get the frozen base through JIUZHU_FROZEN_AT and the
    offset through the file."""
    import os
    import subprocess
    import sys

    call_command("training_clock", "--week", stdout=StringIO())
    code = "import django; django.setup(); from jiuzhu.core import clock; print(clock.now().isoformat())"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiuzhu.settings",
        "DEBUG": "true",
        "JIUZHU_TRAINING": "true",
        "JIUZHU_TRAINING_CLOCK_FILE": str(training),
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert datetime.fromisoformat(out.stdout.strip()) == clock.now()
    assert clock.today().isoformat() == "2026-11-27"


def test_only_administrators_move_it_and_a_wrong_move_changes_nothing(training):
    assert client_for("ab_caseworker").get("/settings/training-clock/").status_code == 403
    assert client_for("ab_caseworker").post("/settings/training-clock/", {"move": "week"}).status_code == 403
    before = clock.now()
    response = client_for("js_admin").post("/settings/training-clock/", {"move": "yesterday"}, follow=True)
    assert response.status_code == 200 and "未知的时钟操作" in response.content.decode()
    assert clock.now() == before
    with pytest.raises(ValueError):
        clock.move_training_clock(timedelta(days=-1))


def test_the_band_is_on_every_page_the_portal_included(training):
    for path in ("/", "/cases/", "/settings/params/"):
        assert "培训环境 — 数据非真实" in client_for("ab_caseworker").get(path).content.decode(), path
    from django.test import Client

    assert "培训环境 — 数据非真实" in Client().get("/accounts/login/").content.decode()
    assert "培训环境 — 数据非真实" in Client().get("/portal/").content.decode()


def test_documents_printed_in_the_training_copy_carry_the_mark(training):
    from jiuzhu.documents import rendering

    html = "<html><body><p>审批决定书</p></body></html>"
    assert "培训" in rendering._mark_training(html)
    pdf = rendering.render_pdf(html)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "培训" in text.replace(" ", "")


def test_documents_outside_the_training_copy_carry_no_mark():
    from jiuzhu.documents import rendering

    assert "培训" not in _pdf_text(rendering.render_pdf("<html><body><p>审批决定书</p></body></html>"))


def _pdf_text(pdf: bytes) -> str:
    import io

    import pypdf

    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
