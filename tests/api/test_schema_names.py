"""One name, one shape: django-ninja names OpenAPI components after the schema class, so two classes with the
same name silently share one component and one endpoint documents the other's body (issue 8 item 2)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from ninja import Schema

import jiuzhu


def _schema_classes() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(jiuzhu.__path__, "jiuzhu."):
        if "api" not in info.name.rsplit(".", 1)[-1]:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == info.name:
                seen.setdefault(name, []).append(info.name)
    return seen


def test_every_api_schema_class_name_is_unique():
    duplicates = {name: where for name, where in _schema_classes().items() if len(where) > 1}
    assert duplicates == {}


@pytest.mark.django_db
def test_kpi_year_out_of_range_is_a_422_not_a_500():
    from tests.helpers import client_for

    c = client_for("js_bureau")
    assert c.get("/api/v1/supervision/kpis?year=59637773").status_code == 422
    r = c.get("/api/v1/supervision/kpis?year=2026")
    assert r.status_code == 200
    assert any("一致" in t["title"] for t in r.json())


@pytest.mark.django_db
def test_api_docs_page_loads_swagger_from_our_own_static_files():
    """Issue 2 item 13: no CDN; the content security policy would block one anyway."""
    from django.test import Client

    r = Client().get("/api/v1/docs")
    html = r.content.decode()
    assert r.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html
