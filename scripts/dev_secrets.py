"""Create var/dev.env once with development secrets (never overwritten, never committed)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/dev.env")
    if path.exists():
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Development secrets, created once by `make`. Not for production.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"SATCHEL_ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
    )
    path.chmod(0o600)
    print(f"created {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
