"""The share forms' claim choices: for an SD-JWT VC or a credential with an ecdsa-sd-2023 base
proof, which of its claims a link reveals (`wallet.disclosable`). One reading of the form
for the share form and the answer to an employer's request.

Choices are offered for a few credentials at a time (those the learner came to share, or
that match what an employer asked for): reading every credential of a large record to offer
them would not do. `choose-<credential id>` says the choices were shown; each
`disclose-<credential id>` carries a claim the learner left ticked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from wallet import disclosable
from wallet import selectors as record
from wallet.verification.sdjwt import ClaimPath

MAX_CHOOSABLE = 5
_CHOOSE = re.compile(r"^choose-(?P<credential>\d+)$")


def offer(
    *, owner: Any, credentials: list[Any], request: HttpRequest, wanted: Iterable[Any]
) -> None:
    """Give each wanted credential (and each whose choices the form showed) that lets the
    learner choose its claims the list to choose from, as `claim_choices`."""
    asked = [*map(str, wanted), *_shown(request)]
    pks = {int(v) for v in list(dict.fromkeys(asked))[:MAX_CHOOSABLE] if v.isdigit()}
    for credential in credentials:
        if credential.pk in pks:
            full = record.access_credential(owner=owner, credential_id=credential.pk)
            credential.claim_choices = disclosable.choices_for(full) or []


def picked(request: HttpRequest, *, among: Iterable[Any]) -> dict[int, list[ClaimPath]]:
    """The claims left ticked, per credential whose choices were shown and that is among
    the credentials sent (a credential unticked takes its choices with it)."""
    sent = {str(pk) for pk in among}
    chosen: dict[int, list[ClaimPath]] = {}
    for pk in _shown(request):
        if pk in sent:
            values = request.POST.getlist(f"disclose-{pk}")
            paths = [p for p in map(disclosable.parse_choice, values) if p is not None]
            chosen[int(pk)] = paths
    return chosen


def _shown(request: HttpRequest) -> list[str]:
    return [m["credential"] for m in map(_CHOOSE.match, request.POST) if m is not None]
