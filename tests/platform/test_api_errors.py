"""The API's one exception handler: a service's Django ValidationError is a 400 everywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

REPO = Path(__file__).resolve().parents[2]
APPS = ("accounts", "intake", "wallet", "sharing", "portability", "config")


class _RefusingApi(APIView):
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        raise DjangoValidationError({"name": ["Too long."], "other": ["Taken."]})


def test_it_answers_a_services_validation_error_with_a_400_listing_its_messages():
    request = APIRequestFactory().post("/", {}, format="json")

    response = _RefusingApi.as_view()(request)

    assert response.status_code == 400
    assert response.data == {"detail": ["Too long.", "Taken."]}


@pytest.mark.django_db
def test_a_duplicate_collection_is_refused_with_the_services_message(owner):
    client = APIClient()
    client.force_authenticate(owner)
    assert client.post("/api/collections/", {"name": "Work"}, format="json").status_code == 201

    response = client.post("/api/collections/", {"name": "work"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": ["You already have a collection with that name."]}


def test_no_api_module_catches_djangos_validation_error_itself():
    catching = []
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "api_errors.py":
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            imported = {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "django.core.exceptions"
                for alias in node.names
                if alias.name == "ValidationError"
            }
            uses_drf = "rest_framework" in path.read_text()
            for node in ast.walk(tree):
                if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name):
                    if uses_drf and node.type.id in imported:
                        catching.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not catching, f"catch it in config/api_errors.py instead: {catching}"
