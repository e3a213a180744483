"""The account's whole life in Chromium, in English and in Arabic, at a phone's width and a
desk's: sign up, confirm the address from the email, turn on an authenticator app and sign in
with it, export, delete the account (the second factor asked), and restore the export into a
new account. Every page on the way is checked (tests/e2e/checks.py): axe-core finds nothing
and nothing scrolls sideways; a screenshot of each is kept under var/e2e/pages/.

The authenticator's codes are computed here as the app would (RFC 6238, allauth's own HOTP
helpers), at times the test chooses: the live server runs in this process, so the clock is
moved past the code's 30-second step between two codes instead of waiting for it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from intake.services.arrival import credential_import
from sharing.models import ShareView
from sharing.services import share_create
from tests.e2e.checks import WIDTHS, page_problems, signed_in
from tests.e2e.conftest import ARTIFACTS
from tests.support.issuer import TestIssuer
from wallet import verifier
from wallet.models import Credential
from wallet.services import organise

PASSWORD = "a long and private passphrase 42"
TOTP_STEP = 30


@pytest.fixture(params=sorted(WIDTHS))
def width(request: pytest.FixtureRequest) -> int:
    return WIDTHS[request.param]


@pytest.fixture(params=["en", "ar"])
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def browsing(
    browser: Browser, width: int, language: str, request: pytest.FixtureRequest
) -> Iterator[tuple[BrowserContext, Page]]:
    """A browser whose language is `language` (the pages follow it until the learner picks
    one), sized `width`; axe is injected inline, which the pages' CSP rightly refuses."""
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        bypass_csp=True,
        accept_downloads=True,
    )
    page = context.new_page()
    yield context, page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    context.close()


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """The server's clock (this process's), ticking from now; `clock.shift` moves it on."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (RFC 6238, SHA-1, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(datetime.now(UTC).timestamp()) // TOTP_STEP))


def next_code(clock: time_machine.Coordinates, secret: str) -> str:
    """A fresh code: the clock moves to a second into the next step, so the last code is not
    reused and the page has the whole step to send this one."""
    into_step = datetime.now(UTC).timestamp() % TOTP_STEP
    clock.shift(timedelta(seconds=TOTP_STEP - into_step + 1))
    return totp_code(secret)


# Names that keep their capitals in a sentence.
PROPER = {"Satchel", "DID", "CLR", "PDF", "QR", "ZIP", "JSON", "SHA-256", "I"}


def title_cased(page: Page) -> list[str]:
    """Headings, labels, buttons and links whose later words start with capitals ("Sign In",
    "Two-Factor Authentication"): Satchel writes them in sentence case."""
    texts = page.locator("main :is(h1, h2, h3, label, button, a, th, legend)").all_inner_texts()
    found = []
    for text in texts:
        words = [w for w in re.findall(r"[A-Za-z][\w-]*", text)[1:] if w not in PROPER]
        if any(w[0].isupper() and not w.isupper() for w in words):
            found.append(text.strip())
    return found


def submit(page: Page, form: str) -> None:
    """Press the submit button of the main content's form matching `form` (a CSS selector)."""
    page.locator(f"main {form}").locator("button[type=submit]").first.click()


class Journey:
    """One learner's way through the pages, collecting what each page's checks find."""

    def __init__(self, page: Page, satchel: str, width: int, language: str) -> None:
        self.page, self.satchel, self.width, self.language = page, satchel, width, language
        self.problems: list[str] = []

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.satchel}{path}")

    def check(self, name: str, *, sentence_case: bool = True) -> None:
        """What tests/e2e/checks.py checks, the page's language and direction, and (in
        English, on pages without the learner's own titles) sentence case."""
        expect(self.page.locator("html")).to_have_attribute("lang", self.language)
        expect(self.page.locator("html")).to_have_attribute(
            "dir", "rtl" if self.language == "ar" else "ltr"
        )
        self.problems += page_problems(self.page, self.width, f"account-{self.language}-{name}")
        if sentence_case and self.language == "en":
            self.problems += [
                f"{name}: not in sentence case: {t!r}" for t in title_cased(self.page)
            ]

    def at(self, path: str) -> None:
        """The page's address is `path` (or, for one ending in /, starts with it)."""
        pattern = re.escape(f"{self.satchel}{path}") + (r"(\d+/)?(\?|$)")
        expect(self.page).to_have_url(re.compile(pattern))


def _with_a_credential(user: User, app_fetcher) -> Credential:
    """One verified credential, tagged and in a collection: something to export."""
    issuer = TestIssuer()
    app_fetcher(lambda: issuer.fetcher)
    options = verifier.make_verify_options(owner=user, fetcher=issuer.fetcher)
    outcome = credential_import(
        owner=user, data=json.dumps(issuer.ob3()).encode(), source="upload", options=options
    )
    assert outcome.credential is not None
    credential = outcome.credential
    organise.credential_tag(credential=credential, tag=organise.tag_create(owner=user, name="x"))
    collection = organise.collection_create(owner=user, name="For Acme")
    organise.collection_add(collection=collection, credential=credential)
    return credential


def test_an_account_from_sign_up_to_deletion_and_its_export_restored(
    browsing, satchel: str, width: int, language: str, clock, app_fetcher, settings
) -> None:
    settings.SATCHEL_PUBLIC_ORIGIN = satchel
    context, page = browsing
    journey = Journey(page, satchel, width, language)
    email = f"sam.{language}.{width}@example.org"

    # Sign up.
    journey.goto("/accounts/signup/")
    journey.check("signup")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password1]").fill(PASSWORD)
    page.locator("main input[name=password2]").fill(PASSWORD)
    submit(page, "form:has(input[name=password1])")
    journey.at("/accounts/confirm-email/")
    journey.check("verification-sent")

    # Confirm the address from the email: Satchel's own words and address, a working link.
    [message] = mail.outbox
    assert message.to == [email]
    assert message.subject.startswith("[Satchel] ")
    assert "Satchel" in message.body and satchel in message.body
    assert "Hello from 127.0.0.1" not in message.body and "example.com" not in message.body
    link = re.search(re.escape(satchel) + r"(/accounts/confirm-email/\S+)", message.body)
    assert link, message.body
    journey.goto(link.group(1))
    journey.check("confirm-email")
    submit(page, "form")
    journey.at("/")
    user = User.objects.get(email=email)
    assert EmailAddress.objects.get(user=user).verified
    journey.check("record-empty")

    credential = _with_a_credential(user, app_fetcher)
    share, token = share_create(
        owner=user, audience="Acme", credential_ids=[credential.pk], display_name="Sam Learner"
    )
    # A program at the link's address gets the presentation in the JSON type it named, logged
    # as the download it was; an address that opens nothing answers it in JSON too.
    fetched = context.request.get(f"{satchel}/s/{token}", headers={"Accept": "application/ld+json"})
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/ld+json"
    assert "VerifiablePresentation" in fetched.json()["type"]
    assert [v.kind for v in ShareView.objects.filter(share=share)] == ["presentation"]
    missing = context.request.get(
        f"{satchel}/s/no-such-link/presentation", headers={"Accept": "application/json"}
    )
    assert missing.status == 404 and missing.headers["content-type"] == "application/problem+json"

    # Turn on an authenticator app (allauth may ask for the password again first).
    journey.goto("/accounts/2fa/")
    journey.check("mfa")
    journey.goto("/accounts/2fa/totp/activate/")
    if "/accounts/reauthenticate/" in page.url:
        journey.check("reauthenticate")
        page.locator("main input[name=password]").fill(PASSWORD)
        submit(page, "form:has(input[name=password])")
    journey.at("/accounts/2fa/totp/activate/")
    journey.check("totp-activate")
    code_field = page.locator("main input[name=code]")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    secret = page.locator("#authenticator_secret").input_value()
    code_field.fill(next_code(clock, secret))
    submit(page, "form:has(input[name=code])")
    journey.at("/accounts/2fa/recovery-codes/")
    journey.check("recovery-codes")
    journey.goto("/accounts/2fa/")
    journey.check("mfa-on")

    # Sign out, and in again: the password, then the authenticator's code.
    page.locator("header form button[type=submit]").click()
    journey.goto("/accounts/login/")
    journey.check("login")
    page.locator("main input[name=login]").fill(email)
    page.locator("main input[name=password]").fill(PASSWORD)
    submit(page, "form:has(input[name=password])")
    journey.at("/accounts/2fa/authenticate/")
    journey.check("mfa-authenticate")
    code_field = page.locator("main input[name=code]")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    code_field.fill(next_code(clock, secret))
    submit(page, "form:has(input[name=code])")
    journey.at("/")
    journey.check("record", sentence_case=False)

    # Export everything.
    journey.goto("/export/")
    journey.check("export", sentence_case=False)
    submit(page, "form[action='/export/full/']")
    expect(page.locator("main a[download]")).to_be_visible()
    journey.check("export-ready")
    held = {
        item.get_attribute("data-kind"): item.get_attribute("data-count")
        for item in page.locator("main .contents-list li").all()
    }
    assert held == {"credentials": "1", "tags": "1", "collections": "1"}
    with page.expect_download() as download_info:
        page.locator("main a[download]").click()
    export = download_info.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(export)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert len(manifest["credentials"]) == 1

    # Delete the account: the password is not enough while two-factor sign-in is on.
    journey.goto("/account/delete/")
    journey.check("delete")
    page.locator("main input[name=password]").fill(PASSWORD)
    submit(page, "form:has(input[name=password])")
    expect(page.locator("main .field--error")).to_have_count(1)
    journey.check("delete-refused")
    code_field = page.locator("main input[name=code]")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    page.locator("main input[name=password]").fill(PASSWORD)
    code_field.fill(next_code(clock, secret))
    submit(page, "form:has(input[name=password])")
    journey.at("/accounts/login/")
    expect(page.locator("main .messages")).to_be_visible()
    journey.check("deleted")
    assert not User.objects.filter(email=email).exists()

    # The employer who follows the learner's link reads that it has ended (not "not found").
    response = page.goto(f"{satchel}/s/{token}")
    assert response is not None and response.status == 410
    journey.check("employer-link-ended")

    # Restore the export into a new account.
    newcomer = User.objects.create_user(email=f"new.{email}", password=PASSWORD)
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, primary=True, verified=True)
    signed_in(context, satchel, newcomer)
    journey.goto("/restore/")
    journey.check("restore")
    page.locator("main input[type=file]").set_input_files(
        {"name": "export.zip", "mimeType": "application/zip", "buffer": export}
    )
    submit(page, "form:has(input[type=file])")
    # A background job: its page polls until the restore is done, then shows what came back.
    journey.at("/restore/jobs/")
    rows = page.locator("main .contents-list li")
    expect(rows).to_have_count(len(held))
    journey.check("restored")
    came_back = {
        row.get_attribute("data-kind"): (
            row.get_attribute("data-in-file"),
            row.get_attribute("data-added"),
        )
        for row in rows.all()
    }
    assert came_back == {kind: (count, count) for kind, count in held.items()}
    page.locator("main a.button[href='/']").click()
    journey.check("record-restored", sentence_case=False)
    restored = Credential.objects.get(owner=newcomer, parent=None)
    assert restored.sha256 == credential.sha256
    assert [t.name for t in restored.tags.all()] == ["x"]

    assert journey.problems == [], "\n".join(journey.problems)
