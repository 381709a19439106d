"""One name, one shape: django-ninja names OpenAPI components after the schema class, so two classes with the
same name silently share one component and one endpoint documents the other's body."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from ninja import Schema

import jiuzhu


def _schema_classes() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(jiuzhu.__path__, "jiuzhu."):
        if "api" not in info.name.rsplit(".", 1)[-1] and ".api." not in info.name:  # api.py, api_*.py, api/
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


def test_operation_ids_are_the_app_and_function_and_unique():
    """Operation ids do not follow the module path, so moving an endpoint between files keeps its id."""
    from jiuzhu.routers import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert {"supervision_sample_list", "supervision_queue", "events_event_feed", "console_param_list"} <= set(
        ids
    )
