"""The WSGI entry point a server process loads (config/wsgi.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.platform.test_settings import ROOT, production_env

# Run in a process of its own: freezing is for the life of a process.
_PROBE = """
import gc, sys
import config.wsgi
frozen = gc.get_freeze_count()
views_loaded = "sharing.public_views" in sys.modules
print(frozen, views_loaded)
"""


def test_a_server_process_freezes_what_it_loaded_views_included() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    # Out of the collector's sight: the settings, the apps, the URLconf and its views.
    assert int(frozen) > 50_000
    assert views_loaded == "True"
