"""The error payloads of the 1EdTech REST APIs: `Imsx_StatusInfo` (OB 3.0 appendix B.3.1).

Every error a resource endpoint answers is one of these, with the HTTP status and code minor
value the specification pairs (B.3.6): 400 invalid_query_parameter, 401 unauthorizedrequest,
403 forbidden, 404 not_found (failure/status), 405 not_allowed, 415/422 invalid_data,
500 internal_server_error.
"""

from __future__ import annotations

from django.http import JsonResponse

_CODE_MINOR = {
    400: "invalid_query_parameter",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    415: "invalid_data",
    422: "invalid_data",
    429: "server_busy",
    500: "internal_server_error",
}
SYSTEM_NAME = "Satchel"


def status_info(status: int, description: str, *, code_minor: str | None = None) -> dict:
    minor = code_minor or _CODE_MINOR.get(status, "unknown")
    return {
        "imsx_codeMajor": "failure",
        # B.3.6: not_found comes with failure/status; every other failure is an error.
        "imsx_severity": "status" if minor == "not_found" else "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": SYSTEM_NAME, "imsx_codeMinorFieldValue": minor}
            ]
        },
    }


def error_response(
    status: int, description: str, *, code_minor: str | None = None, bearer_error: str = ""
) -> JsonResponse:
    response = JsonResponse(status_info(status, description, code_minor=code_minor), status=status)
    if status == 401:
        # RFC 6750 section 3: a Bearer challenge, with the error when a token was presented.
        response["WWW-Authenticate"] = (
            f'Bearer error="{bearer_error}"' if bearer_error else 'Bearer realm="Satchel"'
        )
    elif status == 403 and bearer_error:
        response["WWW-Authenticate"] = f'Bearer error="{bearer_error}"'
    return response
