"""Files written by the archive tests go to a temporary directory; helpers that drive a case to approval."""

from __future__ import annotations

import pytest

from tests.documents.conftest import TINY_PDF, image_bytes, upload  # noqa: F401 - shared test data


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def fast_pdf(monkeypatch):
    """Where only access matters: skip WeasyPrint's font work."""
    from jiuzhu.documents import rendering

    monkeypatch.setattr(rendering, "render_pdf", lambda html: TINY_PDF)
