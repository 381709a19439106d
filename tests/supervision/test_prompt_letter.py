"""S7: the prompt letter (提示函) of a matter opened from a warning says its problem once, names the bureau
that issues it, and keeps its closing request with the seal on the last page."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from pypdf import PdfReader

from jiuzhu.supervision.models import Alert
from jiuzhu.supervision.rules import label_of
from jiuzhu.supervision.services import escalation
from tests.helpers import ANBANG, JIANSHAN, accept, make_case, user

pytestmark = pytest.mark.django_db


def test_S7_prompt_letter_says_the_problem_once_names_the_bureau_and_keeps_the_seal_with_text(tmp_path):
    from jiuzhu.supervision import scan as scanning

    case = make_case()
    accept(case)
    from jiuzhu.cases.models import CaseMaterial

    CaseMaterial.objects.filter(case=case).delete()  # the warning "必需材料或签署缺失" then fires
    scanning.scan(by=user("js_inspector"), area_code=JIANSHAN, rules=["documents_missing"])
    alert = Alert.objects.get(rule="documents_missing", case=case)
    matter = escalation.matter_open(
        by=user("js_inspector"),
        township_code=ANBANG,
        title=label_of(alert.rule),
        problem=alert.detail,
        step=escalation.StepInput(
            "prompt",
            date(2026, 11, 20),
            None,
            "逐件核实并整改，完善档案",
            "乡镇分管领导",
            content="请高度重视，逐户核对申请材料和签署，" * 14 + "确保档案完整。",
        ),
        case=case,
        alerts=[alert],
    )
    document = escalation.letter_issue(by=user("js_inspector"), step=matter.steps.get())
    with document.pdf.open("rb") as fh:
        data = fh.read()
    if os.environ.get("JIUZHU_KEEP_PDF"):
        (tmp_path / "prompt_letter.pdf").write_bytes(data)
        print(tmp_path / "prompt_letter.pdf")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 2  # long enough that the closing part must choose a page
    text = "".join(pages).replace("\n", "")
    assert text.count(alert.detail) == 1
    assert "尖山区民政局" in text and "县民政局" not in text.replace("尖山区民政局", "")
    # The seal never stands alone: the last page carries the closing request with it.
    assert "请于整改时限前" in pages[-1].replace("\n", "")
