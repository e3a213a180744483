"""What background tasks write and pages show later reads in the reader's language.

A ZIP import, an export and a badge-platform sync run in a task, where no language is active:
they store English with its template and values (`message_i18n`), and the page translates
the template into the reader's language and then fills in the values. A row stored before
templates were kept shows its message as stored. The labels of the states those pages show
(model choices) are translated too.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from intake.models import ImportArchive, ImportBatch
from intake.services import zips
from obapi.models import Api, BadgeHost, SyncAttempt
from portability.models import ExportJob
from portability.services import jobs as export_jobs
from tests.support.issuer import NOW
from tests.wallet.helpers import as_bytes
from wallet import wording
from wallet.models import Verdicts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after() -> object:
    yield
    translation.activate("en")  # the language a request activates outlives it in the thread


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _page(client: Client, owner, url: str, language: str) -> str:
    client.force_login(owner)
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_zip_import_s_file_messages_are_shown_in_the_reader_s_language(client, owner, issuer):
    batch = ImportBatch.objects.create(owner=owner, filename="a.zip", total=2, created_at=NOW)
    ImportArchive.objects.create(
        batch=batch, data=_zip({"a.json": as_bytes(issuer.ob3()), "notes.txt": b"%PDF-1.7 x"})
    )

    zips.zip_batch_run(batch_id=batch.pk, now=NOW)  # a task: English is stored

    batch.refresh_from_db()
    assert "This file is a PDF document" in batch.summary[1]["message"]
    url = reverse("wallet:import_batch", args=[batch.pk])
    spanish = _page(client, owner, url, "es")
    assert "Este archivo es un documento PDF, no una credencial." in spanish
    assert "This file is a PDF document" not in spanish
    assert "Importada «" in spanish and "Imported “" not in spanish
    arabic = _page(client, owner, url, "ar")
    assert "هذا الملف مستند PDF" in arabic or "This file is a PDF document" not in arabic
    assert "استُوردت «" in arabic and "Imported “" not in arabic


def test_a_failed_batch_s_message_is_translated_and_its_status_label_too(client, owner):
    batch = ImportBatch.objects.create(owner=owner, filename="lost.zip", total=1, created_at=NOW)

    zips.zip_batch_run(batch_id=batch.pk, now=NOW)

    batch.refresh_from_db()
    assert batch.message == "The archive is no longer stored; upload it again."
    spanish = _page(client, owner, reverse("wallet:import_batch", args=[batch.pk]), "es")
    assert "El archivo comprimido ya no está guardado; vuelve a subirlo." in spanish
    client.force_login(owner)
    status = client.get(
        reverse("wallet:import_batch_status", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    ).json()
    assert status["message"] == "لم يعد الأرشيف محفوظًا؛ ارفعه مرة أخرى."
    assert status["status_label"] == "فشل"


def test_a_batch_stored_before_templates_were_kept_shows_its_message_as_stored(client, owner):
    batch = ImportBatch.objects.create(
        owner=owner,
        filename="old.zip",
        status=ImportBatch.Status.FAILED,
        message="Something an older version wrote.",
        created_at=NOW,
        finished_at=NOW,
    )

    spanish = _page(client, owner, reverse("wallet:import_batch", args=[batch.pk]), "es")

    assert "Something an older version wrote." in spanish


def test_a_badge_platform_sync_message_and_outcome_are_translated(client, owner):
    host = BadgeHost.objects.create(
        owner=owner,
        api=Api.OB,
        base_url="https://badges.example",
        name="Example badges",
        state=BadgeHost.State.CONNECTED,
        created_at=NOW,
    )
    message = wording.Said(
        "%(received)s received: %(imported)s new, %(updated)s updated, "
        "%(duplicate)s already in your record, %(refused)s not imported.",
        received=3,
        imported=2,
        updated=0,
        duplicate=1,
        refused=0,
    )
    SyncAttempt.objects.create(
        host=host,
        started_at=NOW,
        finished_at=NOW,
        outcome=SyncAttempt.Outcome.SUCCEEDED,
        message=message,
        message_i18n=wording.template_of(message),
    )

    spanish = _page(client, owner, reverse("obapi:hosts"), "es")

    assert "3 received" not in spanish
    assert "3 recibidas" in spanish or "3 recibid" in spanish
    assert "— Hecho:" in spanish
    assert "— Done" not in _page(client, owner, reverse("obapi:hosts"), "ar")


def test_a_failed_export_job_says_why_in_the_reader_s_language(client, owner):
    job = ExportJob.objects.create(
        owner=owner,
        status=ExportJob.Status.FAILED,
        message=export_jobs.COULD_NOT_BUILD,
        token_hash="c" * 64,
        token_encrypted="sealed",
        created_at=NOW,
        finished_at=NOW,
        expires_at=NOW + timedelta(hours=24),
    )

    url = reverse("portability:export_job", args=[job.pk])
    assert "No se pudo generar la exportación." in _page(client, owner, url, "es")
    assert "تعذّر إنشاء التصدير." in _page(client, owner, url, "ar")


def test_the_clr_note_of_an_export_counts_in_the_reader_s_language() -> None:
    message = wording.SaidPlural(
        "%(count)s could not go into the CLR bundle and travels in the export's "
        "credentials/ folder instead.",
        "%(count)s could not go into the CLR bundle and travel in the export's "
        "credentials/ folder instead.",
        2,
        count=2,
    )
    stored = wording.template_of(message)

    with translation.override("es"):
        spanish = wording.stored_message(str(message), stored)
    with translation.override("ar"):
        arabic = wording.stored_message(str(message), stored)

    assert str(message).startswith("2 could not go")
    assert spanish.startswith("2 no pudieron ir en el paquete CLR")
    assert "شهادتين" in arabic


def test_verdict_and_state_labels_are_translated() -> None:
    with translation.override("es"):
        assert str(ImportBatch.Status.FAILED.label) == "Falló"  # a job failed, not a check
        assert str(SyncAttempt.Outcome.SUCCEEDED.label) == "Hecho"
        assert str(BadgeHost.State.CONNECTED.label) == "Conectada"
        assert str(dict(Verdicts.choices)[Verdicts.REVOKED]) == wording.verdict_label("revoked")
        assert str(dict(Verdicts.choices)[Verdicts.REVOKED]) != "Revoked by the issuer"


@pytest.mark.parametrize(
    ("query", "spanish", "arabic"),
    [
        (
            {"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {}}]},
            "El id de una Credential Query debe ser una cadena no vacía",
            "يجب أن يكون معرّف Credential Query سلسلة غير فارغة",
        ),
        (
            {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "claims": []}]},
            "`claims` debe ser un array no vacío.",
            "يجب أن يكون `claims` مصفوفة غير فارغة.",
        ),
        (
            {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "multiple": "yes"}]},
            "`multiple` debe ser true o false.",
            "يجب أن تكون قيمة `multiple` إما true أو false.",
        ),
    ],
)
def test_dcql_errors_the_learner_sees_are_in_their_language(query, spanish, arabic) -> None:
    from sharing.protocols.dcql import DcqlError, parse_dcql_query

    for language, expected in (("es", spanish), ("ar", arabic)):
        with translation.override(language), pytest.raises(DcqlError) as refused:
            parse_dcql_query(query)
        assert expected in str(refused.value)


def test_an_openid4vp_request_error_is_in_the_learner_s_language() -> None:
    from sharing.protocols.openid4vp import RequestError, validate_authorization_request

    claims = {
        "client_id": "redirect_uri:https://verifier.example/answer",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example/answer",
        "nonce": "n-0S6_WzA2Mj",
        "dcql_query": "{not json",
    }
    with translation.override("es"), pytest.raises(RequestError) as refused:
        validate_authorization_request(claims, prefix="redirect_uri")
    assert str(refused.value) == "El parámetro dcql_query de la solicitud no es JSON válido."


def test_a_sync_the_platform_refused_says_so_in_the_reader_s_language(
    client, owner, monkeypatch
) -> None:
    from obapi import badge_hosts, consumer

    host = BadgeHost.objects.create(
        owner=owner,
        api=Api.OB,
        base_url="https://badges.example",
        name="Example badges",
        state=BadgeHost.State.CONNECTED,
        created_at=NOW,
    )

    def refused(*_args: object) -> bool:
        # What the consumer raises when the platform answers 401 to getCredentials.
        raise consumer.TokenRejected(
            wording.Said("The platform did not accept Satchel's access token.")
        )

    monkeypatch.setattr(badge_hosts, "_sync_pages", refused)
    attempt = badge_hosts.badge_host_sync(host_id=host.pk, now=NOW)  # a task: English stored

    assert attempt is not None
    assert attempt.message == "The platform did not accept Satchel's access token."
    spanish = _page(client, owner, reverse("obapi:hosts"), "es")
    assert "La plataforma no aceptó el token de acceso de Satchel." in spanish
    arabic = _page(client, owner, reverse("obapi:hosts"), "ar")
    assert "لم تقبل المنصة رمز وصول Satchel." in arabic


def test_a_badge_platform_that_could_not_be_reached_says_so_in_the_reader_s_language(
    client, owner, monkeypatch
) -> None:
    from config.protocol_client import ProtocolClient, RemoteError
    from obapi import badge_hosts

    def unreachable(_self: object, url: str, *_args: object, **_kwargs: object) -> object:
        raise RemoteError("connection refused", url=url)

    monkeypatch.setattr(ProtocolClient, "get_json", unreachable)
    with pytest.raises(badge_hosts.BadgeHostError):
        badge_hosts.badge_host_connect(
            owner=owner, base_url="https://badges.example", api=Api.OB, now=NOW
        )

    host = BadgeHost.objects.get(owner=owner)
    assert host.problem == "badges.example could not be reached for discovery."
    spanish = _page(client, owner, reverse("obapi:hosts"), "es")
    assert "No se pudo contactar con badges.example para el descubrimiento." in spanish
    assert "could not be reached" not in spanish
    arabic = _page(client, owner, reverse("obapi:hosts"), "ar")
    assert "تعذّر الوصول إلى badges.example لأجل الاكتشاف." in arabic


def test_a_declined_badge_platform_connection_says_so_in_the_reader_s_language(
    client, owner
) -> None:
    from accounts.crypto import encrypt
    from obapi import badge_hosts

    BadgeHost.objects.create(
        owner=owner,
        api=Api.OB,
        base_url="https://badges.example",
        state=BadgeHost.State.PENDING,
        auth_state="s" * 20,
        code_verifier_encrypted=encrypt(b"verifier"),
        created_at=NOW,
    )
    with pytest.raises(badge_hosts.BadgeHostError):
        badge_hosts.badge_host_authorized(
            owner=owner, state="s" * 20, code="", error="access_denied", now=NOW
        )

    assert BadgeHost.objects.get(owner=owner).problem == (
        "Not connected: you or the platform declined."
    )
    spanish = _page(client, owner, reverse("obapi:hosts"), "es")
    assert "No conectada: tú o la plataforma lo rechazasteis." in spanish
    arabic = _page(client, owner, reverse("obapi:hosts"), "ar")
    assert "لم يتم الاتصال: رفضتَ أنت أو المنصة." in arabic


def test_a_receive_attempt_s_error_a_task_stored_is_shown_in_the_reader_s_language(
    client, owner, monkeypatch
) -> None:
    from config.protocol_client import ProtocolClient, RemoteError
    from intake.models import ReceiveAttempt
    from intake.protocols import openid4vci
    from intake.services import receiving

    def unreachable(_self: object, url: str, *_args: object, **_kwargs: object) -> object:
        raise RemoteError("connection refused", url=url)

    monkeypatch.setattr(ProtocolClient, "get_json", unreachable)
    with pytest.raises(openid4vci.IssuanceError) as raised:
        openid4vci._call(ProtocolClient(party="issuer").get_json, "https://issuer.example/x")
    attempt = ReceiveAttempt.objects.create(owner=owner, created_at=NOW, expires_at=NOW)
    receiving._failed(attempt, wording.said_of(raised.value), raised.value.kind, NOW)
    attempt.save()

    assert attempt.error == "The issuer could not be reached (issuer.example). Try again later."
    url = reverse("receive:attempt", args=[attempt.pk])
    spanish = _page(client, owner, url, "es")
    assert "No se pudo contactar con el emisor (issuer.example)." in spanish
    assert "could not be reached" not in spanish
    arabic = _page(client, owner, url, "ar")
    assert "could not be reached" not in arabic
    api = client.get(
        reverse("receive-api:attempt", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).json()
    assert api["error"].startswith("No se pudo contactar con el emisor (issuer.example).")


def test_an_untitled_credential_imported_by_a_task_is_named_in_the_reader_s_language(
    client, owner, issuer
) -> None:
    document = issuer.ob3()
    document.pop("name", None)
    document["credentialSubject"]["achievement"].pop("name", None)
    batch = ImportBatch.objects.create(owner=owner, filename="a.zip", total=1, created_at=NOW)
    ImportArchive.objects.create(batch=batch, data=_zip({"a.json": as_bytes(document)}))

    zips.zip_batch_run(batch_id=batch.pk, now=NOW)  # a task: nothing translated is stored

    batch.refresh_from_db()
    assert batch.summary[0]["message"] == "Imported “Untitled credential”."
    url = reverse("wallet:import_batch", args=[batch.pk])
    spanish = _page(client, owner, url, "es")
    assert "Untitled credential" not in spanish
    assert "Importada «Credencial sin título»." in spanish
    arabic = _page(client, owner, url, "ar")
    assert "Untitled credential" not in arabic


def test_a_receive_attempt_refused_for_its_address_is_shown_in_the_reader_s_language(
    client, owner, monkeypatch
) -> None:
    from config.protocol_client import ProtocolClient, RemoteError
    from intake.models import ReceiveAttempt
    from intake.protocols import openid4vci
    from intake.services import receiving

    def refused(_self: object, url: str, *_args: object, **_kwargs: object) -> object:
        raise RemoteError("private address", url=url, refused=True)

    monkeypatch.setattr(ProtocolClient, "get_json", refused)
    with pytest.raises(openid4vci.IssuanceError) as raised:
        openid4vci._call(ProtocolClient(party="issuer").get_json, "https://10.0.0.1/x")
    attempt = ReceiveAttempt.objects.create(owner=owner, created_at=NOW, expires_at=NOW)
    receiving._failed(attempt, wording.said_of(raised.value), raised.value.kind, NOW)
    attempt.save()

    assert attempt.error.startswith("Satchel will not contact an address the offer names")
    spanish = _page(client, owner, reverse("receive:attempt", args=[attempt.pk]), "es")
    assert "Satchel no contactará con una dirección que nombra la oferta: 10.0.0.1" in spanish
