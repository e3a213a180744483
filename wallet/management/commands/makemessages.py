"""Django's makemessages, also collecting the verifier's marked sentences.

wallet.verification is a pure library: it marks its sentences with `N_` (a no-op) and builds
`Message`s from templates (wallet.verification.messages); both names are extraction keywords
here, so that `make messages` puts those sentences in the catalogues beside the templates'.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        "--keyword=N_",
        "--keyword=Message",
        # wallet.wording's Said / SaidPlural: what background tasks say, stored and
        # translated when shown.
        "--keyword=Said",
        "--keyword=SaidPlural:1,2",
    ]
