"""django-oauth-toolkit's request validator, narrowed to what a tool registered.

A learner can grant a tool only scopes it registered for (`RegisteredTool.scope`,
obapi.registration); an application without a registration (made by hand in the admin) may
ask for none of the API's scopes.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from obapi.models import RegisteredTool


class RegisteredScopesValidator(OAuth2Validator):
    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        if not super().validate_scopes(client_id, scopes, client, request, *args, **kwargs):
            return False
        tool = RegisteredTool.objects.filter(application=client).first()
        return tool is not None and set(scopes) <= set(tool.scopes)
