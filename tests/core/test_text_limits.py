"""Free text has a limit everywhere it is taken: the model declares it, every form field and every string of
an API request body enforces it (a 27 000-character 申请原因 was once saved)."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.db import models

import jiuzhu
from jiuzhu.api.api import api
from jiuzhu.cases.models import Case
from tests.helpers import client_for, make_household

# Text the system writes itself (never typed by a person): no limit needed.
SYSTEM_TEXT = {
    ("core", "auditevent", "reason"),  # a copy of a reason already limited where it was typed
    ("core", "job", "error"),
    ("cases", "decisionmeeting", "basis"),
    ("cases", "decisionmeeting", "route_reason"),
    ("cases", "publicnotice", "content"),
    ("cases", "decision", "basis"),
    ("cases", "intakecheck", "message"),
    ("benefits", "enrolment", "basis"),
    ("benefits", "enrolmentchange", "breakdown"),
    ("payments", "payrollrun", "error"),
    ("payments", "ledgerentry", "basis"),
    ("supervision", "alert", "detail"),
}


# Server entry points check the keys against the database when imported; they hold no forms.
ENTRY_POINTS = {"jiuzhu.wsgi", "jiuzhu.asgi"}


def _forms():
    seen = set()
    for info in pkgutil.walk_packages(jiuzhu.__path__, "jiuzhu."):
        if ".migrations" in info.name or ".management" in info.name or info.name in ENTRY_POINTS:
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, forms.BaseForm)
                and obj.__module__.startswith("jiuzhu")
                and obj not in seen
            ):
                seen.add(obj)
                yield obj


def test_every_text_field_of_every_form_has_a_limit():
    unlimited = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert unlimited == []


def test_every_text_column_typed_by_a_person_declares_its_limit():
    unlimited = [
        (m._meta.app_label, m._meta.model_name, f.name)
        for m in apps.get_models()
        if m.__module__.startswith("jiuzhu")
        for f in m._meta.get_fields()
        if isinstance(f, models.TextField) and f.max_length is None and not f.name.endswith("cipher")
    ]
    assert sorted(set(unlimited) - SYSTEM_TEXT) == []


def _unlimited_strings(schema, components, path, out):
    if "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    if "anyOf" in schema or "allOf" in schema:
        options = schema.get("anyOf", []) + schema.get("allOf", [])
        if any(o.get("type") == "number" for o in options):  # a Decimal: bounded by the services
            return
        for option in options:
            _unlimited_strings(option, components, path, out)
        return
    kind = schema.get("type")
    if kind == "object":
        for name, prop in schema.get("properties", {}).items():
            _unlimited_strings(prop, components, f"{path}.{name}", out)
    elif kind == "array":
        _unlimited_strings(schema.get("items", {}), components, f"{path}[]", out)
    elif (
        kind == "string"
        and not any(k in schema for k in ("maxLength", "enum", "format", "const"))
        and not schema.get("pattern", "").endswith("$")  # an anchored pattern bounds the length
    ):
        out.append(path)


def test_every_string_of_an_api_request_body_has_a_limit():
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    out: list[str] = []
    for address, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method not in ("post", "put", "patch"):
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in content:
                    _unlimited_strings(content["schema"], components, f"{method} {address}", out)
    assert out == []


@pytest.mark.django_db
def test_a_27000_character_reason_is_refused_on_the_page_and_through_the_api():
    household = make_household()
    head = household.members.get(relation="head")
    reason = "因病致贫" * 6750
    c = client_for("ab_caseworker")
    r = c.post(
        f"/cases/new/?household={household.pk}",
        {
            "assistance_type": "dibao_rural",
            "applicant": head.pk,
            "applied_on": "2026-11-18",
            "township_code": household.township_code,
            "reason": reason,
        },
    )
    assert r.status_code == 200 and "27000" in r.content.decode()  # the form says how long it is
    r = c.post(
        "/api/v1/cases",
        {
            "household_id": household.pk,
            "assistance_type": "dibao_rural",
            "applicant_id": head.pk,
            "applied_on": "2026-11-18",
            "reason": reason,
        },
        content_type="application/json",
    )
    assert r.status_code in (400, 422)
    assert not Case.objects.filter(household=household).exists()
