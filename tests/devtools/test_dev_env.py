"""The development environment file names the demo fetcher, for old files too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dev_secrets(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "scripts/dev_secrets.py", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_new_development_file_names_the_demo_fetcher(tmp_path: Path) -> None:
    env = tmp_path / "dev.env"

    dev_secrets(env)

    lines = env.read_text().splitlines()
    assert "SATCHEL_FETCHER=devtools.fetchers.demo_fetcher" in lines
    assert "DEBUG=true" in lines


def test_an_older_development_file_gains_the_demo_fetcher_and_keeps_its_secrets(
    tmp_path: Path,
) -> None:
    env = tmp_path / "dev.env"
    env.write_text("DEBUG=true\nSECRET_KEY=kept\nSATCHEL_ENCRYPTION_KEY=kept-too")

    assert "added SATCHEL_FETCHER" in dev_secrets(env)
    assert dev_secrets(env) == ""

    assert env.read_text().splitlines() == [
        "DEBUG=true",
        "SECRET_KEY=kept",
        "SATCHEL_ENCRYPTION_KEY=kept-too",
        "SATCHEL_FETCHER=devtools.fetchers.demo_fetcher",
    ]


def test_a_development_file_that_chose_a_fetcher_keeps_its_choice(tmp_path: Path) -> None:
    env = tmp_path / "dev.env"
    env.write_text("SATCHEL_FETCHER=config.outbound.guarded_fetcher\n")

    dev_secrets(env)

    assert env.read_text() == "SATCHEL_FETCHER=config.outbound.guarded_fetcher\n"
