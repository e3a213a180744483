"""The credential page, its image and original, and what can be done from it."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.selectors import holder_dids
from intake.services import arrival
from sharing.services import share_create, share_revoke
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes
from wallet import responses, selectors
from wallet.models import Credential, CredentialImage, VerificationRun
from wallet.services import organise, trash
from wallet.views import download_stem

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'


@pytest.fixture
def signed_in(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def _page(client: Client, credential: Credential) -> str:
    response = client.get(reverse("wallet:credential", args=[credential.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _imported(owner, data: bytes, **kwargs) -> Credential:
    outcome = arrival.credential_import(owner=owner, data=data, source="upload", **kwargs)
    assert outcome.credential is not None, outcome.message
    return outcome.credential


def test_the_page_shows_the_checks_in_plain_words_with_details_behind_a_disclosure(
    signed_in: Client, owner, issuer
) -> None:
    credential = _imported(owner, as_bytes(issuer.ob3("tampered")))

    page = _page(signed_in, credential)

    assert "Signature does not verify" in page
    run = credential.runs.get()
    failed = next(c for c in run.report["checks"] if c["status"] == "fail")
    message = escape(failed["message"])
    top, checks = page.split("What was checked", 1)
    assert message in top  # summarised above everything else
    disclosure = checks[checks.index(message) :]
    assert disclosure.index("<details") < disclosure.index(failed["code"])
    assert "History of checks" in page and "At import" in page


def test_every_field_from_a_hostile_credential_is_escaped_or_stripped(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(
        owner,
        title=f"Badge {HOSTILE}",
        issuer_name=f"Issuer {IMG}",
        description=f"Hello {HOSTILE} {IMG} [click](javascript:alert(1)) [ok](https://ok.example)",
        criteria_narrative=f'Do {IMG} and <a href="javascript:alert(2)">this</a>',
        criteria_url="javascript:alert(3)",
        issuer_url="javascript:alert(4)",
        alignments=[{"name": HOSTILE, "url": "javascript:alert(5)", "code": "", "framework": ""}],
        evidence=[{"id": "javascript:alert(6)", "name": IMG, "narrative": HOSTILE}],
        results=[{"value": HOSTILE}],
        recipient_hint=HOSTILE,
        recipient_match="no_match",
    )

    page = _page(signed_in, credential)

    assert "<script>alert" not in page
    assert "onerror" not in page.replace("onerror=&quot;", "")
    assert not re.search(r"<img[^>]*onerror", page)
    assert "javascript:" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # the title, as text
    assert '<a href="https://ok.example" rel="noopener noreferrer">ok</a>' in page


def test_markdown_narratives_are_rendered(signed_in: Client, owner, make_credential) -> None:
    credential = make_credential(
        owner, description="Learned **testing**.\n\n- one\n- two", criteria_narrative="*Pass*"
    )
    page = _page(signed_in, credential)
    assert "<strong>testing</strong>" in page
    assert "<li>one</li>" in page
    assert "<em>Pass</em>" in page


def test_a_recipient_mismatch_says_how_to_fix_it(signed_in: Client, owner, make_credential) -> None:
    credential = make_credential(
        owner, recipient_match="no_match", recipient_hint="old@school.example"
    )
    page = _page(signed_in, credential)
    assert "old@school.example" in page
    assert f'href="{reverse("account_email")}"' in page
    assert "Check again" in page


def test_a_different_did_is_named_beside_the_learners_own_and_no_email_advice(
    signed_in: Client, owner, make_credential
) -> None:
    own = holder_dids(user=owner)[0]
    credential = make_credential(
        owner, recipient_match="no_match", recipient_hint="did:key:z6MkSomeoneElse"
    )
    page = _page(signed_in, credential)
    assert "This credential was issued to a different DID." in page
    assert "did:key:z6MkSomeoneElse" in page and own in page
    assert reverse("account_email") not in page.split('role="note"', 1)[1].split("</div>")[0]


@pytest.mark.parametrize(
    "hint", ["https://school.example/people/42", "urn:uuid:8c7e2d3a-1f4b-4d2e-9a77-3c2b1d0e9f11"]
)
def test_a_url_or_uuid_recipient_says_it_names_someone_else(
    signed_in: Client, owner, make_credential, hint: str
) -> None:
    credential = make_credential(owner, recipient_match="no_match", recipient_hint=hint)
    page = _page(signed_in, credential)
    note = page.split('role="note"', 1)[1].split("</div>")[0]
    assert "This credential names someone else." in note and hint in note
    assert reverse("account_email") not in note


def test_a_transcript_links_the_credentials_inside_it(signed_in: Client, owner, issuer) -> None:
    clr = _imported(owner, as_bytes(issuer.clr()))
    page = _page(signed_in, clr)
    children = list(clr.children.all())
    assert len(children) == 2
    for child in children:
        assert reverse("wallet:credential", args=[child.pk]) in page
    child_page = _page(signed_in, children[0])
    assert reverse("wallet:credential", args=[clr.pk]) in child_page


def test_the_image_is_served_sanitised_with_headers_that_stop_it_running(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner, has_image=True)
    CredentialImage.objects.create(
        credential=credential,
        content=b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        media_type="image/svg+xml",
        sha256="0",
        origin="baked",
    )

    response = signed_in.get(reverse("wallet:credential_image", args=[credential.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'") and "sandbox" in policy
    assert "script-src" not in policy


def test_a_png_image_gets_the_same_inert_policy(signed_in: Client, owner, make_credential) -> None:
    credential = make_credential(owner, has_image=True)
    CredentialImage.objects.create(
        credential=credential,
        content=b"\x89PNG\r\n\x1a\n",
        media_type="image/png",
        sha256="0",
        origin="baked",
    )
    response = signed_in.get(reverse("wallet:credential_image", args=[credential.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == responses.INERT_CSP
    assert response["Content-Disposition"].startswith("inline;")


def test_a_credential_without_an_image_has_none_to_serve(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner)
    response = signed_in.get(reverse("wallet:credential_image", args=[credential.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("variant", "media_type", "extension"),
    [("json", "application/json", "json"), ("png", "image/png", "png"), ("jwt", None, "jwt")],
)
def test_the_original_downloads_as_the_exact_bytes_it_arrived_as(
    signed_in: Client, owner, issuer, variant, media_type, extension
) -> None:
    data = {
        "json": as_bytes(issuer.ob3()),
        "png": issuer.baked_png(issuer.ob3()),
        "jwt": issuer.ob3_jwt().encode(),
    }[variant]
    credential = _imported(owner, data, media_type=media_type)

    response = signed_in.get(reverse("wallet:credential_original", args=[credential.pk]))

    assert response.content == data
    assert hashlib.sha256(response.content).hexdigest() == credential.sha256
    # Whatever its media type, an original is a file to save, never a document to render.
    assert response["Content-Type"] == "application/octet-stream"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="{download_stem(credential)}.{extension}"'
    assert disposition.endswith(f'.{extension}"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_download_name_is_safe_and_says_what_it_is(owner, make_credential) -> None:
    credential = make_credential(owner, title='Évaluation "finale" / 2024\r\n', container="svg")
    name = f"{download_stem(credential)}.{credential.file_extension}"
    assert name == f"valuation-finale-2024-{credential.pk}.svg"


def test_check_again_records_a_new_run(signed_in: Client, owner, issuer) -> None:
    credential = _imported(owner, as_bytes(issuer.ob3()))

    response = signed_in.post(reverse("wallet:credential_check", args=[credential.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("wallet:credential", args=[credential.pk])
    triggers = list(credential.runs.order_by("pk").values_list("trigger", flat=True))
    assert triggers == [VerificationRun.Trigger.IMPORT, VerificationRun.Trigger.RECHECK]
    assert (
        "Checked again just now: verified" in signed_in.get(response["Location"]).content.decode()
    )


def test_delete_moves_to_the_trash_and_restore_brings_it_back(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner, title="Second Thoughts")

    response = signed_in.post(
        reverse("wallet:credential_delete", args=[credential.pk]), follow=True
    )
    credential.refresh_from_db()
    assert credential.deleted_at is not None
    assert "is in the trash for 30 days" in response.content.decode()
    assert "Second Thoughts" not in signed_in.get("/").content.decode()
    trash_page = signed_in.get(reverse("wallet:trash")).content.decode()
    assert "Second Thoughts" in trash_page and "removed for good after" in trash_page
    assert signed_in.get(reverse("wallet:credential", args=[credential.pk])).status_code == 404

    response = signed_in.post(reverse("wallet:credential_restore", args=[credential.pk]))

    credential.refresh_from_db()
    assert credential.deleted_at is None
    assert response["Location"] == reverse("wallet:credential", args=[credential.pk])


def test_emptying_the_trash_asks_for_confirmation(
    signed_in: Client, owner, make_credential
) -> None:
    kept = make_credential(owner, title="Kept")
    binned = make_credential(owner, title="Binned")
    trash.credential_delete(credential=binned, now=NOW)

    page = signed_in.get(reverse("wallet:trash_empty")).content.decode()
    unconfirmed = signed_in.post(reverse("wallet:trash_empty"), {})
    assert "1 credential will be removed for good" in page
    assert unconfirmed.status_code == 400
    assert Credential.objects.filter(pk=binned.pk).exists()

    signed_in.post(reverse("wallet:trash_empty"), {"confirm": "on"})

    assert not Credential.objects.filter(pk=binned.pk).exists()
    assert Credential.objects.filter(pk=kept.pk).exists()


def test_tags_are_added_by_name_and_removed_from_the_credential_page(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner)
    url = reverse("wallet:credential_tag_add", args=[credential.pk])

    signed_in.post(url, {"name": "  Job   search "})
    signed_in.post(url, {"name": "job search"})

    tag = credential.tags.get()
    assert tag.name == "Job search"
    signed_in.post(reverse("wallet:credential_tag_remove", args=[credential.pk, tag.pk]))
    assert not credential.tags.exists()


def test_a_credential_joins_and_leaves_a_collection(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner)
    collection = organise.collection_create(owner=owner, name="Portfolio")

    signed_in.post(
        reverse("wallet:credential_collection_add", args=[credential.pk]),
        {"collection": collection.pk},
    )
    assert list(credential.collections.all()) == [collection]
    assert "Portfolio" in _page(signed_in, credential)

    signed_in.post(
        reverse("wallet:credential_collection_remove", args=[credential.pk, collection.pk])
    )
    assert not credential.collections.exists()


def test_another_earners_collection_cannot_be_used(
    signed_in: Client, owner, stranger, make_credential
) -> None:
    credential = make_credential(owner)
    theirs = organise.collection_create(owner=stranger, name="Theirs")
    response = signed_in.post(
        reverse("wallet:credential_collection_add", args=[credential.pk]),
        {"collection": theirs.pk},
    )
    assert response.status_code == 404
    assert not theirs.credentials.exists()


def test_the_tags_page_creates_renames_and_deletes(signed_in: Client, owner) -> None:
    signed_in.post(reverse("wallet:tags"), {"name": "Work"})
    tag = owner.tags.get()
    signed_in.post(reverse("wallet:tag_rename", args=[tag.pk]), {"name": "Career"})
    tag.refresh_from_db()
    assert tag.name == "Career"
    assert "Career" in signed_in.get(reverse("wallet:tags")).content.decode()
    signed_in.post(reverse("wallet:tag_delete", args=[tag.pk]))
    assert not owner.tags.exists()


def test_deleting_a_tag_asks_first_saying_how_many_credentials_have_it(
    signed_in: Client, owner, make_credential
) -> None:
    tag = organise.tag_create(owner=owner, name="Work")
    organise.credential_tag(credential=make_credential(owner), tag=tag)
    tags_page = signed_in.get(reverse("wallet:tags")).content.decode()
    delete_url = reverse("wallet:tag_delete", args=[tag.pk])
    assert f'action="{delete_url}"' not in tags_page and f'href="{delete_url}"' in tags_page

    question = signed_in.get(delete_url).content.decode()

    assert "Delete the tag “<span" in question
    assert "It is on 1 credential. It stays in your record" in question
    assert owner.tags.exists()


def test_trashing_a_credential_on_a_working_link_says_so_first(
    signed_in: Client, owner, make_credential
) -> None:
    credential = make_credential(owner)
    quiet = make_credential(owner)
    share_create(owner=owner, audience="Acme Corp", credential_ids=[credential.pk])
    ended, _token = share_create(owner=owner, audience="Old Co", credential_ids=[quiet.pk])
    share_revoke(owner=owner, share_id=ended.pk)

    page = _page(signed_in, credential)
    assert "It is on 1 working share link: <a" in page and ">Acme Corp</a>" in page
    assert "whoever opens it will no longer see it" in page
    assert "working share link" not in _page(signed_in, quiet)


def test_the_collections_page_creates_updates_and_deletes(signed_in: Client, owner) -> None:
    signed_in.post(reverse("wallet:collections"), {"name": "CV", "description": "For jobs"})
    collection = owner.collections.get()
    duplicate = signed_in.post(reverse("wallet:collections"), {"name": "cv"})
    assert duplicate.status_code == 400
    assert "already have a collection" in duplicate.content.decode()

    signed_in.post(
        reverse("wallet:collection_update", args=[collection.pk]),
        {"name": "Résumé", "description": ""},
    )
    collection.refresh_from_db()
    assert (collection.name, collection.description) == ("Résumé", "")
    signed_in.post(reverse("wallet:collection_delete", args=[collection.pk]))
    assert not owner.collections.exists()


def test_the_json_of_the_original_is_never_rendered_into_the_page(
    signed_in: Client, owner, issuer
) -> None:
    document = issuer.ob3()
    document["credentialSubject"]["achievement"]["name"] = HOSTILE
    credential = _imported(owner, json.dumps(document).encode())
    assert "<script>alert" not in _page(signed_in, credential)


def test_a_warning_two_checks_found_is_read_once(signed_in: Client, owner, make_credential):
    credential = make_credential(owner, verdict="verified_with_warnings")
    said = "The credential does not say who it was issued to."
    checks = [
        {"name": "structure", "code": "s.no_subject_id", "status": "warning", "message": said},
        {"name": "recipient", "code": "recipient.absent", "status": "warning", "message": said},
    ]
    VerificationRun.objects.create(
        credential=credential,
        checked_at=credential.checked_at,
        verdict="verified_with_warnings",
        report={"verdict": "verified_with_warnings", "checks": checks},
        trigger="import",
    )

    page = _page(signed_in, credential)
    box = page.split('class="problem-list"', 1)[1].split("</ul>")[0]

    assert box.count(said) == 1
    assert selectors.credential_warnings(credentials=[credential]) == {credential.pk: [said]}


def test_the_history_lists_what_changed_and_the_page_says_when_it_was_last_checked(
    signed_in: Client, owner, issuer
) -> None:
    from datetime import timedelta

    from wallet.services import reverify

    credential = _imported(owner, as_bytes(issuer.ob3()), now=NOW)
    for days in (2, 4):
        assert reverify.reverify_due(now=NOW + timedelta(days=days)) == 1

    page = _page(signed_in, credential)
    history = page.split('id="history-heading"', 1)[1].split("</section>", 1)[0]

    assert history.count("<li>") == 1
    assert "At import" in history
    assert "a check is added here only when it finds something new" in history
    last = (NOW + timedelta(days=4)).isoformat()
    assert f'Last checked <time datetime="{last}">' in page
