"""How the API reports errors: DRF's own handler, after one translation.

A service refuses bad input with Django's `ValidationError`, the same one the HTML forms
show beside their fields. DRF knows only its own, so without this an API view would have to
catch Django's around every service call; here it becomes a 400 whose `detail` lists the
messages, for every view at once (REST_FRAMEWORK["EXCEPTION_HANDLER"]).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError({"detail": exc.messages})
    return drf_exception_handler(exc, context)
