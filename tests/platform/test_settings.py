"""Settings come from the environment; bad ones stop start-up with one line naming them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SATCHEL_", "DATABASE_", "REDIS_"))
        and k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    env.update(
        {
            "SATCHEL_ENV_FILE": str(ROOT / "var" / "does-not-exist.env"),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SATCHEL_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "satchel.example",
            "DATABASE_URL": f"sqlite:///{ROOT / 'var' / 'deploy-check.sqlite3'}",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SECRET_KEY", "", "Setting SECRET_KEY: is required but not set"),
        ("SECRET_KEY", "short", "Setting SECRET_KEY: with DEBUG off it must be a real secret"),
        ("SATCHEL_ENCRYPTION_KEY", "", "Setting SATCHEL_ENCRYPTION_KEY: is required but not set"),
        ("SATCHEL_ENCRYPTION_KEY", "not-a-key", "Setting SATCHEL_ENCRYPTION_KEY: expected"),
        ("DEBUG", "maybe", "Setting DEBUG: expected true or false, got 'maybe'"),
        ("ALLOWED_HOSTS", "", "Setting ALLOWED_HOSTS: required when DEBUG is off"),
        ("DATABASE_URL", "nosuchdb://x", "Setting DATABASE_URL:"),
        ("REDIS_URL", "http://127.0.0.1:6379", "Setting REDIS_URL: expected a redis://"),
        ("EMAIL_PORT", "twenty-five", "Setting EMAIL_PORT: expected a whole number"),
        ("SATCHEL_VERIFY_CPU_SECONDS", "lots", "Setting SATCHEL_VERIFY_CPU_SECONDS: expected a"),
        ("SATCHEL_VERIFY_CPU_SECONDS", "0", "Setting SATCHEL_VERIFY_CPU_SECONDS: must be at"),
        ("SATCHEL_WORKER_NICENESS", "20", "Setting SATCHEL_WORKER_NICENESS: must be at most 19"),
    ],
)
def test_it_refuses_to_start_with_a_bad_setting(name: str, value: str, expected: str) -> None:
    result = manage("check", env=production_env(**{name: value}))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
