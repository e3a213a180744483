"""The import pages: files (one, many, a ZIP), pasted text and links, over the import service."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from intake.models import ImportBatch
from tests.wallet.helpers import as_bytes
from wallet.models import Credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def _upload(*files: tuple[str, bytes, str]) -> dict:
    return {
        "files": [SimpleUploadedFile(name, data, content_type=kind) for name, data, kind in files]
    }


def _row(page: str, name: str) -> str:
    """The list item of the results that names `name`."""
    at = page.index(f">{name}<")
    return page[page.rindex("<li", 0, at) : page.index("</li>", at)]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_import_page_offers_upload_paste_and_link_without_javascript(
    signed_in: Client,
) -> None:
    page = signed_in.get(reverse("wallet:import")).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="file" name="files"[^>]*multiple', page)
    assert '<textarea name="text"' in page
    assert 'type="url" name="url"' in page
    assert "js/import.js" in page and "<script>" not in page


def test_one_file_that_verifies_lands_on_its_page_saying_so(
    signed_in: Client, owner, issuer
) -> None:
    response = signed_in.post(
        reverse("wallet:import_upload"),
        _upload(("badge.json", as_bytes(issuer.ob3()), "application/json")),
        follow=True,
    )
    credential = Credential.objects.get(owner=owner)
    assert response.redirect_chain[-1][0] == reverse("wallet:credential", args=[credential.pk])
    page = response.content.decode()
    assert "Imported “Test Achievement”. Verified." in page
    assert credential.source == "upload" and credential.filename == "badge.json"


def test_a_file_that_does_not_verify_is_kept_and_the_page_says_why(
    signed_in: Client, owner, issuer
) -> None:
    response = signed_in.post(
        reverse("wallet:import_upload"),
        _upload(("forged.json", as_bytes(issuer.ob3("tampered")), "application/json")),
        follow=True,
    )
    credential = Credential.objects.get(owner=owner)
    assert credential.verdict == "invalid_signature"
    page = response.content.decode()
    assert "It is kept in your record, but the check says: signature does not verify" in page
    assert 'class="message message--warning"' in page


def test_something_that_is_not_a_credential_is_refused_and_nothing_is_stored(
    signed_in: Client, owner, issuer
) -> None:
    response = signed_in.post(
        reverse("wallet:import_upload"),
        _upload(("notes.txt", b"just some notes", "text/plain")),
        follow=True,
    )
    assert not Credential.objects.filter(owner=owner).exists()
    assert response.redirect_chain[-1][0] == reverse("wallet:import")
    assert "not a credential the wallet recognises" in response.content.decode()


def test_several_files_get_a_line_each(signed_in: Client, owner, issuer) -> None:
    good = as_bytes(issuer.ob3())
    response = signed_in.post(
        reverse("wallet:import_upload"),
        _upload(
            ("one.json", good, "application/json"),
            ("again.json", good, "application/json"),
            ("badge.png", issuer.baked_png(issuer.ob3()), "image/png"),
            ("junk.txt", b"nothing", "text/plain"),
        ),
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("wallet:import_results"), 302)]
    assert Credential.objects.filter(owner=owner).count() == 2
    for name in ("one.json", "again.json", "badge.png", "junk.txt"):
        assert name in page
    assert page.count(">Imported<") == 2
    assert "Already there" in page and "Not imported" in page


def test_an_empty_file_among_several_is_named_and_the_others_are_imported(
    signed_in: Client, owner, issuer
) -> None:
    response = signed_in.post(
        reverse("wallet:import_upload"),
        _upload(
            ("good.json", as_bytes(issuer.ob3()), "application/json"),
            ("empty.json", b"", "application/json"),
            ("forged.json", as_bytes(issuer.ob3("tampered")), "application/json"),
        ),
        follow=True,
    )
    page = response.content.decode()
    assert Credential.objects.filter(owner=owner).count() == 2
    empty_row = _row(page, "empty.json")
    assert "Not imported" in empty_row and "The file is empty." in empty_row
    forged_row = _row(page, "forged.json")
    assert "Signature does not verify" in forged_row and "outcome-item--danger" in forged_row


def test_reloading_the_results_of_several_files_imports_nothing_again(
    signed_in: Client, owner, issuer
) -> None:
    signed_in.post(
        reverse("wallet:import_upload"),
        _upload(
            ("one.json", as_bytes(issuer.ob3()), "application/json"),
            ("two.json", as_bytes(issuer.ob3()), "application/json"),
        ),
    )
    for _ in range(2):
        again = signed_in.get(reverse("wallet:import_results")).content.decode()
        assert "one.json" in again and "two.json" in again
    assert Credential.objects.filter(owner=owner).count() == 2


def test_the_results_page_without_an_upload_goes_back_to_the_import_page(
    signed_in: Client,
) -> None:
    response = signed_in.get(reverse("wallet:import_results"))
    assert response["Location"] == reverse("wallet:import")


def test_one_empty_file_on_its_own_is_refused_by_the_form(signed_in: Client, owner) -> None:
    response = signed_in.post(
        reverse("wallet:import_upload"), _upload(("empty.json", b"", "application/json"))
    )
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()


def test_a_pasted_jwt_is_imported(signed_in: Client, owner, issuer) -> None:
    response = signed_in.post(reverse("wallet:import_paste"), {"text": issuer.ob3_jwt() + "\n"})
    credential = Credential.objects.get(owner=owner)
    assert response["Location"] == reverse("wallet:credential", args=[credential.pk])
    assert (credential.source, credential.container) == ("paste", "jwt")


def test_pasted_nonsense_stays_in_the_box_with_the_reason(signed_in: Client, owner) -> None:
    response = signed_in.post(reverse("wallet:import_paste"), {"text": '{"hello": "world"}'})
    assert response.status_code == 400
    page = response.content.decode()
    assert "not a credential the wallet recognises" in page
    assert "{&quot;hello&quot;: &quot;world&quot;}</textarea>" in page
    assert not Credential.objects.filter(owner=owner).exists()


def test_a_link_is_fetched_through_the_fetcher_and_imported(
    signed_in: Client, owner, issuer
) -> None:
    url = "https://issuer.example/credentials/42"
    issuer.fetcher.add(url, json.dumps(issuer.ob3()))

    response = signed_in.post(reverse("wallet:import_url"), {"url": url})

    credential = Credential.objects.get(owner=owner)
    assert response["Location"] == reverse("wallet:credential", args=[credential.pk])
    assert credential.source_url == url
    assert url in issuer.fetcher.requests


def test_a_link_that_answers_404_is_explained(signed_in: Client, owner, issuer) -> None:
    response = signed_in.post(
        reverse("wallet:import_url"), {"url": "https://issuer.example/nothing"}
    )
    assert response.status_code == 400
    assert (
        "The issuer no longer hosts this badge at https://issuer.example/nothing; "
        "nothing was imported." in response.content.decode()
    )


def test_a_zip_runs_in_the_background_with_a_progress_page_and_a_summary(
    signed_in: Client, owner, issuer, django_capture_on_commit_callbacks
) -> None:
    archive = _zip(
        {
            "badges/good.json": as_bytes(issuer.ob3()),
            "badges/forged.json": as_bytes(issuer.ob3("tampered")),
            "readme.txt": b"not a badge",
        }
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signed_in.post(
            reverse("wallet:import_upload"), _upload(("export.zip", archive, "application/zip"))
        )
    batch = ImportBatch.objects.get(owner=owner)
    assert response["Location"] == reverse("wallet:import_batch", args=[batch.pk])

    waiting = signed_in.get(response["Location"]).content.decode()
    assert '<progress class="batch__progress" max="3" value="0"' in waiting
    assert f'href="{response["Location"]}" data-batch-refresh>Refresh</a>' in waiting
    assert "http-equiv" not in waiting

    for callback in callbacks:
        callback()  # the task, run eagerly

    status = signed_in.get(reverse("wallet:import_batch_status", args=[batch.pk])).json()
    assert status == {
        "status": "done",
        "status_label": "Finished",
        "done": 3,
        "total": 3,
        "finished": True,
        "message": status["message"],
    }
    done = signed_in.get(response["Location"]).content.decode()
    assert "<h1>Imported <span" in done and "Importing" not in done
    assert "badges/good.json" in done and "badges/forged.json" in done and "readme.txt" in done
    assert "Signature does not verify" in _row(done, "badges/forged.json")
    assert "verdict--ok" in _row(done, "badges/good.json")
    assert "2 imported, 0 updated, 0 already in your record, 1 could not be imported." in done
    assert "Not imported" in done
    assert "data-batch-status" not in done  # nothing left to poll
    # The finished batch is summed up in the reader's language, its verdicts too.
    spanish = signed_in.get(response["Location"], HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "2 importadas, 0 actualizadas, 0 ya estaban en tu expediente" in spanish
    assert "La firma no se verifica" in _row(spanish, "badges/forged.json")
    translation.activate("en")  # the language a request activates outlives it in this thread


def test_a_refused_archive_is_reported_at_once(signed_in: Client, owner) -> None:
    response = signed_in.post(
        reverse("wallet:import_upload"),
        _upload(("broken.zip", b"PK\x03\x04 not really a zip", "application/zip")),
        follow=True,
    )
    assert not ImportBatch.objects.filter(owner=owner).exists()
    assert "not a ZIP archive the wallet can read" in response.content.decode()


def test_a_pasted_presentation_brings_each_credential_and_lands_on_the_record(
    signed_in: Client, owner, issuer
) -> None:
    presentation = issuer.presentation([issuer.ob3(), issuer.ob3()])

    response = signed_in.post(
        reverse("wallet:import_paste"), {"text": json.dumps(presentation)}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("wallet:record")
    assert Credential.objects.filter(owner=owner).count() == 2
    assert "From the presentation: 2 imported" in response.content.decode()
