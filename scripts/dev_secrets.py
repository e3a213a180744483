"""Create var/dev.env once with development secrets (never overwritten, never committed).

The file also holds the development choices a running server needs: the demo issuers'
fetcher, so that re-checks of the demo record keep their verdicts (production never names
it). A choice added after a file was created is appended to it; nothing in it is changed.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

# Development settings that are not secrets, by name.
DEVELOPMENT = {"SATCHEL_FETCHER": "devtools.fetchers.demo_fetcher"}


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/dev.env")
    if path.exists():
        return _add_missing(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Development secrets, created once by `make`. Not for production.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"SATCHEL_ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
        + "".join(f"{name}={value}\n" for name, value in DEVELOPMENT.items())
    )
    path.chmod(0o600)
    print(f"created {path}")
    return 0


def _add_missing(path: Path) -> int:
    text = path.read_text()
    named = {line.split("=", 1)[0].strip() for line in text.splitlines() if "=" in line}
    missing = {name: value for name, value in DEVELOPMENT.items() if name not in named}
    if missing:
        lines = "".join(f"{name}={value}\n" for name, value in missing.items())
        path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + lines)
        print(f"added {', '.join(missing)} to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
