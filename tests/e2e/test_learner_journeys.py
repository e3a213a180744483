"""The learner's and the employer's pages in Chromium, at a phone's width and a desk's, over
the demo record (every verdict, a CLR, DID recipients): each page fits the window (nothing
scrolls sideways at 390 px), axe-core finds nothing, and a screenshot is kept under
var/e2e/pages/ to look at. Then the journeys the fixes of issue 14 are about: an upload with
a failed file in it, the PDF with its QR code, and a paste, a ZIP and a link fetched as a
presentation, revoked and then refused to the employer; and a search and filter of the record,
a link made through the form and opened as the employer. Each runs in English and in Arabic (the
learner's language set on the account; the page then says lang="ar" dir="rtl"), finding
buttons and labels by the words the translation catalogue gives them."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from accounts.models import User
from accounts.services import user_language_set
from devtools.demo import DemoFetcher, seed_demo
from sharing.models import ShareLink
from sharing.services import share_create, share_url
from tests.e2e.checks import WIDTHS, page_problems, signed_in
from wallet.models import Credential


@pytest.fixture(params=sorted(WIDTHS))
def width(request: pytest.FixtureRequest) -> int:
    return WIDTHS[request.param]


@pytest.fixture(params=["en", "ar"])
def language(request: pytest.FixtureRequest) -> str:
    return request.param


def tr(language: str, text: str) -> str:
    """`text` as the learner reads it in `language` (the catalogue's translation)."""
    with translation.override(language):
        return translation.gettext(text)


def problems_of(page: Page, width: int, language: str, name: str) -> list[str]:
    """What tests/e2e/checks.py finds, and the page's language and direction."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    return page_problems(page, width, f"{language}-{name}")


@pytest.fixture
def sized(browser: Browser, width: int, language: str) -> Iterator[tuple[BrowserContext, Page]]:
    # axe is injected as an inline script, which the pages' CSP rightly refuses. The browser
    # asks for the learner's language too, so the employer's page (signed out) follows it.
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        bypass_csp=True,
        accept_downloads=True,
    )
    yield context, context.new_page()
    context.close()


@pytest.fixture
def demo(app_fetcher, settings, satchel: str, language: str) -> User:
    settings.SATCHEL_PUBLIC_ORIGIN = satchel
    app_fetcher(lambda: DemoFetcher())
    user = seed_demo().user
    user_language_set(user=user, language=language)
    return user


def _credential(user: User, **where: str) -> Credential:
    return Credential.objects.filter(owner=user, deleted_at__isnull=True, **where).first()


def _with_a_did_recipient(credential: Credential) -> Credential:
    """A copy of `credential` issued to someone else's (long) DID."""
    credential.pk = None
    credential.dedupe_key = "e2e:did-recipient"
    credential.recipient_match = "no_match"
    credential.recipient_hint = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" * 2
    credential.save()
    return credential


def test_every_page_fits_and_passes_axe(
    sized, satchel: str, demo: User, width: int, language: str
) -> None:
    context, page = sized
    signed_in(context, satchel, demo)
    clr = _credential(demo, format="clr2", parent=None)
    did_recipient = _with_a_did_recipient(_credential(demo, title="JavaScript Fundamentals"))
    share, _token = share_create(
        owner=demo,
        audience="Acme Corp",
        credential_ids=[c.pk for c in Credential.objects.filter(owner=demo, parent=None)],
        display_name="Dana Learner",
    )
    pages = {
        "record": reverse("wallet:record"),
        "timeline": reverse("wallet:timeline"),
        "skills": reverse("wallet:skills"),
        "clr": reverse("wallet:credential", args=[clr.pk]),
        "did-recipient": reverse("wallet:credential", args=[did_recipient.pk]),
        "import": reverse("wallet:import"),
        "shares": reverse("shares:list"),
        "share": reverse("shares:detail", args=[share.pk]),
        "export": reverse("portability:export"),
        "account": reverse("accounts:account"),
        "tags": reverse("wallet:tags"),
        "tag-delete": reverse("wallet:tag_delete", args=[demo.tags.first().pk]),
        "share-new": reverse("shares:create"),
        "trash": reverse("wallet:trash"),
    }
    problems = []
    for name, path in pages.items():
        page.goto(f"{satchel}{path}")
        problems += problems_of(page, width, language, name)

    page.goto(f"{satchel}{reverse('portability:export')}")
    page.get_by_role("button", name=tr(language, "Assemble the bundle")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems += problems_of(page, width, language, "clr-bundle")

    context.clear_cookies()
    page.goto(share_url(share))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems += problems_of(page, width, language, "employer")
    assert problems == [], "\n".join(problems)


def test_an_upload_with_a_failed_file_imports_the_others_and_names_it(
    sized, satchel: str, demo: User, width: int, language: str
) -> None:
    context, page = sized
    signed_in(context, satchel, demo)
    good = _credential(demo, title="Accessibility Champion")
    forged = _credential(demo, title="Patient Data Privacy Officer")
    Credential.objects.filter(pk__in=[good.pk, forged.pk]).delete()
    page.goto(f"{satchel}{reverse('wallet:import')}")
    page.get_by_label(tr(language, "Credential files")).set_input_files(
        [
            {"name": "good.json", "mimeType": "application/json", "buffer": bytes(good.original)},
            {"name": "empty.json", "mimeType": "application/json", "buffer": b""},
            {
                "name": "forged.json",
                "mimeType": "application/json",
                "buffer": bytes(forged.original),
            },
        ]
    )
    page.get_by_role("button", name=tr(language, "Import"), exact=True).first.click()

    expect(page.get_by_role("heading", name=tr(language, "Import results"))).to_be_visible()
    rows = page.get_by_role("list", name=tr(language, "What happened to each file")).get_by_role(
        "listitem"
    )
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="empty.json")).to_contain_text(tr(language, "The file is empty."))
    expect(rows.filter(has_text="forged.json")).to_contain_text(
        tr(language, "Signature does not verify")
    )
    expect(rows.filter(has_text="good.json")).to_contain_text(tr(language, "Verified"))
    problems = problems_of(page, width, language, "import-results")

    page.reload()  # reloading shows the results again and imports nothing again
    expect(rows).to_have_count(3)
    assert Credential.objects.filter(owner=demo, title="Accessibility Champion").count() == 1

    page.goto(f"{satchel}{reverse('wallet:import')}")
    page.get_by_label(tr(language, "Credential files")).set_input_files(
        [{"name": "again.json", "mimeType": "application/json", "buffer": bytes(good.original)}]
    )
    page.get_by_role("button", name=tr(language, "Import"), exact=True).first.click()
    expect(page.get_by_role("status")).to_contain_text(
        tr(language, "This credential is already in your record.")
    )
    problems += problems_of(page, width, language, "flash-message")
    assert problems == [], "\n".join(problems)


def test_a_credential_downloads_as_a_pdf_with_its_qr_code(
    sized, satchel: str, demo: User, width: int, language: str
) -> None:
    context, page = sized
    signed_in(context, satchel, demo)
    credential = _credential(demo, title="Full-Stack Web Developer")
    page.goto(f"{satchel}{reverse('wallet:credential', args=[credential.pk])}")

    with page.expect_download() as download_info:
        page.get_by_role("button", name=tr(language, "Download a PDF with a QR code")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(download.path())
    assert "Full-Stack Web Developer" in reader.pages[0].extract_text()
    [(_name, [original])] = reader.attachments.items()
    assert original == bytes(credential.original)

    page.goto(f"{satchel}{reverse('shares:list')}")
    name = tr(language, "Printed PDF: %(title)s") % {"title": "Full-Stack Web Developer"}
    link = page.get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()


def test_paste_a_zip_and_a_link_revoked(
    sized, satchel: str, demo: User, width: int, language: str
) -> None:
    context, page = sized
    signed_in(context, satchel, demo)
    pasted, zipped = [
        c
        for c in Credential.objects.filter(
            owner=demo, parent=None, format="ob3", verdict="verified"
        ).order_by("pk")
        if bytes(c.original).startswith(b"{")
    ][:2]
    pasted_bytes, zipped_bytes = bytes(pasted.original), bytes(zipped.original)
    Credential.objects.filter(pk__in=[pasted.pk, zipped.pk]).delete()
    import_url = f"{satchel}{reverse('wallet:import')}"
    problems: list[str] = []

    # Paste.
    page.goto(import_url)
    page.get_by_label(tr(language, "Paste a credential")).fill(pasted_bytes.decode())
    page.get_by_role("button", name=tr(language, "Import"), exact=True).nth(1).click()
    expect(page).not_to_have_url(import_url)
    page.wait_for_load_state()
    problems += problems_of(page, width, language, "pasted")
    assert _credential(demo, title=pasted.title) is not None

    # A ZIP, imported in the background while its page waits.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("badge.json", zipped_bytes)
    page.goto(import_url)
    page.get_by_label(tr(language, "Credential files")).set_input_files(
        [{"name": "badges.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}]
    )
    page.get_by_role("button", name=tr(language, "Import"), exact=True).first.click()
    expect(page).not_to_have_url(import_url)
    expect(
        page.get_by_role("list", name=tr(language, "What happened to each file"))
    ).to_contain_text("badge.json", timeout=30_000)
    problems += problems_of(page, width, language, "zip-imported")
    assert _credential(demo, title=zipped.title) is not None

    # Share, fetch the presentation as a program would, revoke, and the employer is told.
    share, _token = share_create(
        owner=demo,
        audience="Acme Corp",
        credential_ids=[_credential(demo, title=pasted.title).pk],
        display_name="Dana Learner",
    )
    fetched = context.request.get(share_url(share), headers={"Accept": "application/ld+json"})
    assert fetched.status == 200 and "VerifiablePresentation" in fetched.json()["type"]
    page.goto(f"{satchel}{reverse('shares:revoke', args=[share.pk])}")
    problems += problems_of(page, width, language, "revoke")
    page.get_by_role("button", name=tr(language, "Revoke the link")).click()
    expect(page).not_to_have_url(re.compile(r"/revoke/?$"))
    page.wait_for_load_state()
    problems += problems_of(page, width, language, "revoked")
    context.clear_cookies()
    response = page.goto(share_url(share))
    assert response is not None and response.status == 410
    problems += problems_of(page, width, language, "employer-revoked")
    assert problems == [], "\n".join(problems)


def test_browse_filter_share_and_open_as_the_employer(
    sized, satchel: str, demo: User, width: int, language: str
) -> None:
    context, page = sized
    signed_in(context, satchel, demo)
    credential = _credential(demo, title="Full-Stack Web Developer")
    problems: list[str] = []

    # Browse, search and filter the record.
    page.goto(f"{satchel}{reverse('wallet:record')}")
    page.get_by_label(tr(language, "Search your record")).fill("Full-Stack")
    page.get_by_role("button", name=tr(language, "Search"), exact=True).click()
    expect(page).to_have_url(re.compile(r"\?.*q=Full-Stack"))
    expect(page.locator("main .cred-grid > li")).to_have_count(1)
    expect(page.locator("main .cred-grid")).to_contain_text("Full-Stack Web Developer")
    problems += problems_of(page, width, language, "record-searched")
    filters = page.locator("main details.filters__more")
    if filters.get_attribute("open") is None:
        filters.get_by_text(tr(language, "Filter and sort"), exact=True).click()
    page.get_by_role("button", name=tr(language, "Apply"), exact=True).click()
    expect(page.locator("main .cred-grid > li")).to_have_count(1)
    problems += problems_of(page, width, language, "record-filtered")

    # Share it through the form, and open the link as the employer.
    page.goto(f"{satchel}{reverse('shares:create')}")
    page.locator(f"#pick-{credential.pk}").check()
    page.get_by_label(tr(language, "Name of this link")).fill("Acme Corp")
    page.get_by_role("button", name=tr(language, "Create the link")).click()
    expect(page).not_to_have_url(re.compile(r"/new/?$"))
    page.wait_for_load_state()
    problems += problems_of(page, width, language, "shared")
    share = ShareLink.objects.get(owner=demo, audience="Acme Corp")
    context.clear_cookies()
    page.goto(share_url(share))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Full-Stack Web Developer")
    problems += problems_of(page, width, language, "employer-shared")
    assert problems == [], "\n".join(problems)
