"""Browser journeys: the system's Chromium, driven by Playwright, against a live Satchel.

Fixtures for every journey:
- `satchel`: the origin of a live Satchel (pytest-django's live server, real middleware).
- `browser`: one headless Chromium for the session; `page`: a fresh browser context and page
  per test, with a full-page screenshot and the console under var/e2e/ when the test fails;
  `browser_console`: the console messages of that page.
- `school`: a real OpenID Connect provider (django-oauth-toolkit, tests/e2e/oidc_provider/) in
  its own process on its own loopback origin, configured as Satchel's school sign-in.

These run with `make e2e`, never with `make test` (pyproject deselects the `e2e` marker).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, PROVIDER_ID, providers_setting

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "var" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROVIDER_START_SECONDS = 60

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def satchel(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop on the test's thread, and Django then
        # refuses the test's own (synchronous) database reads unless told they are meant.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def browser_console() -> list[str]:
    return []


@pytest.fixture
def page(
    browser: Browser, browser_console: list[str], request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda message: browser_console.append(message.text))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        (ARTIFACTS / f"{name}.console.txt").write_text(
            f"URL: {page.url}\n" + "\n".join(browser_console) + "\n"
        )
    context.close()


@dataclass(frozen=True)
class Student:
    email: str
    password: str


@dataclass(frozen=True)
class SchoolProvider:
    origin: str
    server_url: str
    student: Student


STUDENT = Student(email="lin@springfield.example", password="springfield-student-pass-7")


@pytest.fixture(scope="session")
def school_provider(live_server, tmp_path_factory) -> Iterator[SchoolProvider]:
    workdir = tmp_path_factory.mktemp("oidc-provider")
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"],
        "users": [{"email": STUDENT.email, "password": STUDENT.password}],
    }
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["OIDC_PROVIDER_DB"] = str(workdir / "provider.sqlite3")
    log_path = workdir / "provider.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.oidc_provider.serve", json.dumps(config)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        origin = _wait_for_listening(process, log_path)
        yield SchoolProvider(origin=origin, server_url=f"{origin}/o", student=STUDENT)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_listening(process: subprocess.Popen, log_path: Path) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=PROVIDER_START_SECONDS)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("listening "):
        process.kill()
        raise RuntimeError(f"the test OIDC provider did not start:\n{log_path.read_text()}")
    return line.split(" ", 1)[1].strip()


@pytest.fixture
def school(school_provider: SchoolProvider, settings) -> SchoolProvider:
    """The provider, configured as Satchel's school sign-in for this test."""
    settings.SOCIALACCOUNT_PROVIDERS = providers_setting(server_url=school_provider.server_url)
    return school_provider
