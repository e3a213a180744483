"""What every journey checks on a page: axe-core finds nothing (any impact), nothing is wider
than a phone's window, and a screenshot to look at (var/e2e/pages/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import BrowserContext, Page

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e" / "pages"
WIDTHS = {"phone": 390, "desk": 1280}


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in found]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n" + json.dumps(violations, indent=1)


def overflowing(page: Page, width: int) -> list[str]:
    """What sticks out past the window's edges (sideways scrolling on a phone): the right
    one, or the left one on a page laid out right to left."""
    return page.evaluate(
        "(w) => [...document.querySelectorAll('body *')]"
        ".filter(e => { const r = e.getBoundingClientRect();"
        " return r.right > w + 1 || r.left < -1; })"
        ".map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))",
        width,
    )


def assert_fits(page: Page, width: int) -> None:
    wide = overflowing(page, width)
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide == [] and scroll <= width, f"{page.url} ({scroll} px wide): {wide[:5]}"


def page_problems(page: Page, width: int, name: str) -> list[str]:
    """A screenshot to look at, then what the width check and axe find ([] when nothing)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    page.screenshot(path=SHOTS / f"{safe}-{width}.png", full_page=True)
    problems = []
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    wide = overflowing(page, width)
    if wide or scroll > width:
        problems.append(f"{name}: {scroll} px wide at {width} px: {wide[:5]}")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name}: axe: {json.dumps(violations)}")
    return problems


def check_page(page: Page, width: int, name: str) -> None:
    problems = page_problems(page, width, name)
    assert problems == [], "\n".join(problems)


def signed_in(context: BrowserContext, satchel: str, user: object) -> None:
    """The browser holds a session of `user` (signing in through the form has its own test)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": satchel}]
    )
