"""Foundation item 1: settings come from the environment; a bad value stops the process at start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from jiuzhu.envconfig import Env

ROOT = Path(__file__).resolve().parents[2]


def _start(**env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIUZHU_", "DATABASE_URL", "SECRET_KEY", "DEBUG", "FIELD_", "BLIND_", "AUDIT_"))
    }
    base.update({"JIUZHU_TESTING": "false", "DJANGO_SETTINGS_MODULE": "jiuzhu.settings"})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD_KEY = "Vz2dA1R0mJ1Q3ZcW9x8y7v6u5t4s3r2q1p0o9n8m7l6="


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY is required"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"DEBUG": "true", "DATABASE_URL": "mysql://u@h/db"},
            "DATABASE_URL must point to SQLite or PostgreSQL",
        ),
        ({"DEBUG": "true", "JIUZHU_UPLOAD_MAX_MB": "lots"}, "JIUZHU_UPLOAD_MAX_MB='lots' is not an integer"),
        ({"DEBUG": "true", "FIELD_ENCRYPTION_KEY": "short"}, "FIELD_ENCRYPTION_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "k" * 50}, "FIELD_ENCRYPTION_KEY is required"),
        ({"DEBUG": "true", "JIUZHU_STORAGE": "ftp"}, "JIUZHU_STORAGE='ftp' must be one of"),
        (
            {
                "DEBUG": "false",
                "SECRET_KEY": "k" * 50,
                "FIELD_ENCRYPTION_KEY": GOOD_KEY,
                "BLIND_INDEX_KEY": GOOD_KEY,
                "AUDIT_MAC_KEY": GOOD_KEY,
            },
            "JIUZHU_PUBLIC_BASE_URL is required",
        ),
        (
            {
                "DEBUG": "false",
                "SECRET_KEY": "k" * 50,
                "FIELD_ENCRYPTION_KEY": GOOD_KEY,
                "BLIND_INDEX_KEY": GOOD_KEY,
            },
            "AUDIT_MAC_KEY is required",
        ),
        (
            {"DEBUG": "true", "JIUZHU_CRYPTO_SUITE": "des"},
            "JIUZHU_CRYPTO_SUITE='des' must be one of aes, sm4",
        ),
        ({"DEBUG": "true", "JIUZHU_OLD_KEYS": "1:aes:short"}, "JIUZHU_OLD_KEYS: each entry is"),
    ],
)
def test_bad_settings_are_refused_at_start(env, message):
    result = _start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_production_settings_start():
    result = _start(
        DEBUG="false",
        SECRET_KEY="k" * 50,
        FIELD_ENCRYPTION_KEY=GOOD_KEY,
        BLIND_INDEX_KEY=GOOD_KEY,
        AUDIT_MAC_KEY=GOOD_KEY,
        JIUZHU_PUBLIC_BASE_URL="https://jiuzhu.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_env_parsers():
    env = Env({"A": "yes", "B": "12", "C": "a, b,,c", "D": ""})
    assert env.bool("A", False) is True
    assert env.int("B", 0, maximum=20) == 12
    assert env.list("C", []) == ["a", "b", "c"]
    assert env.str("D", "default") == "default"
    with pytest.raises(ImproperlyConfigured):
        env.int("B", 0, maximum=10)


def _debug_field_key(var_dir: Path) -> str:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIUZHU_", "DATABASE_URL", "SECRET_KEY", "DEBUG", "FIELD_", "BLIND_", "AUDIT_"))
    }
    base.update(
        {"DEBUG": "true", "JIUZHU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "jiuzhu.settings"}
    )
    script = "import django; django.setup(); from django.conf import settings as s; print(s.KEYS.current.field_key.hex(), s.KEYS.source)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_debug_keys_are_random_per_machine_not_derived_from_the_source(tmp_path):
    """PI1: in DEBUG the keys are generated once into var/ (mode 0600), never derived from a constant."""
    first = _debug_field_key(tmp_path / "a")
    assert first.endswith("dev-file")
    assert _debug_field_key(tmp_path / "a") == first  # read back: the demo database stays readable
    assert _debug_field_key(tmp_path / "b") != first  # another machine, another key
    assert (tmp_path / "a" / "dev-keys.json").stat().st_mode & 0o777 == 0o600


def test_behind_a_tls_proxy_django_trusts_its_protocol_header():
    """Web hardening: with JIUZHU_HTTPS the proxy's X-Forwarded-Proto is trusted (HSTS, secure cookies, no
    redirect loop); without it, it is not (a client could claim HTTPS)."""
    script = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIUZHU_", "DATABASE_URL", "SECRET_KEY", "DEBUG", "FIELD_", "BLIND_", "AUDIT_"))
    }
    base.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "jiuzhu.settings"})
    for https, expected in (("true", "('HTTP_X_FORWARDED_PROTO', 'https')"), ("false", "None")):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**base, "JIUZHU_HTTPS": https},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize("name", ["FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "AUDIT_MAC_KEY"])
def test_production_refuses_the_published_demo_keys(name):
    """The demo database's keys are public (D-222): a real deployment that sets one of them does not start."""
    from jiuzhu.keyconfig import DEMO_KEYS

    demo = {"FIELD_ENCRYPTION_KEY": "field", "BLIND_INDEX_KEY": "index", "AUDIT_MAC_KEY": "audit"}
    keys = dict.fromkeys(demo, GOOD_KEY) | {name: DEMO_KEYS[demo[name]]}
    result = _start(
        DEBUG="false", SECRET_KEY="k" * 50, JIUZHU_PUBLIC_BASE_URL="https://jiuzhu.example.gov.cn", **keys
    )
    assert result.returncode != 0
    assert f"{name} is the published demo key" in result.stderr


def test_production_never_reads_the_demo_key_file(tmp_path):
    """A var directory holding the installed demo keys does not give a production start its keys."""
    from jiuzhu.keyconfig import install_demo_keys

    assert install_demo_keys(tmp_path)
    result = _start(
        DEBUG="false",
        SECRET_KEY="k" * 50,
        JIUZHU_PUBLIC_BASE_URL="https://jiuzhu.example.gov.cn",
        JIUZHU_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required" in result.stderr
