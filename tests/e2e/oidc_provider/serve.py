"""Start the test provider: `python -m tests.e2e.oidc_provider.serve CONFIG_JSON`.

CONFIG_JSON names the client ({"client_id", "client_secret", "redirect_uris"}) and the
students ({"users": [{"email", "password"}]}). The server listens on a free loopback port
and prints "listening <origin>" once it accepts connections, so the caller waits for that
line instead of sleeping.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.e2e.oidc_provider.settings"
    import django

    django.setup()

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    config = json.loads(sys.argv[1])
    call_command("migrate", verbosity=0)
    for student in config["users"]:
        User.objects.create_user(
            username=student["email"], email=student["email"], password=student["password"]
        )
    Application.objects.create(
        name="Satchel",
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(config["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )

    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print(f"listening http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
