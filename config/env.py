"""Small strict parsers for settings read from the environment.

Every failure names the setting in one line, so a misconfigured deployment says exactly what
to fix at start-up instead of failing later.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_MISSING = object()


def _fail(name: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Setting {name}: {problem}")


def read_env_file(path: Path) -> None:
    """Load KEY=VALUE lines from a file into os.environ, without overriding what is set."""
    if not path.is_file():
        return
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=VALUE")
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


def string(name: str, default: object = _MISSING) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _MISSING:
            raise _fail(name, "is required but not set")
        return str(default)
    return value


def boolean(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise _fail(name, f"expected true or false, got {value!r}")


def integer(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, f"expected a whole number, got {value!r}") from None
    if number < minimum:
        raise _fail(name, f"must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise _fail(name, f"must be at most {maximum}, got {number}")
    return number


def string_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def database(name: str, default: str) -> dict:
    value = os.environ.get(name) or default
    try:
        config = environ.Env.db_url_config(value)
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        raise _fail(name, f"not a database URL we understand ({exc})") from None
    if "." not in str(config.get("ENGINE", "")):
        raise _fail(name, f"unknown database scheme in {value!r} (use postgres:// or sqlite://)")
    return config


def redis_url(name: str) -> str | None:
    value = os.environ.get(name)
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise _fail(name, f"expected a redis:// or rediss:// URL, got {value!r}")
    return value


def url(name: str, default: str = "", *, require_https: bool = False) -> str:
    """An http(s) URL; with require_https, only https (what production must use)."""
    value = string(name, default)
    if not value:
        return value
    scheme, _, rest = value.partition("://")
    if scheme not in {"http", "https"} or not rest.strip("/"):
        raise _fail(name, f"expected an http(s):// URL, got {value!r}")
    if require_https and scheme != "https":
        raise _fail(name, f"with DEBUG off it must be an https:// URL, got {value!r}")
    return value


def origins(name: str) -> tuple[str, ...]:
    """Comma-separated origins (`scheme://host[:port]`, http or https, nothing after the
    host), each normalised to lower case with its port spelled out: `https://a.example`
    becomes `https://a.example:443`. Anything else (a path, a query, credentials, another
    scheme) fails, naming the entry: an operator who meant a narrower rule must not get a
    wider one."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return ()
    normalised: list[str] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        origin = normalise_origin(entry)
        if origin is None:
            raise _fail(
                name,
                f"{entry!r} is not an origin: write scheme://host[:port] with http or https "
                "and nothing after the host (no path, query or user name)",
            )
        normalised.append(origin)
    return tuple(dict.fromkeys(normalised))


def normalise_origin(text: str) -> str | None:
    """`scheme://host:port` in lower case with the port spelled out, or None when `text` is
    not an http(s) origin and nothing more."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    if parts.username or parts.password or parts.query or parts.fragment:
        return None
    if parts.path not in ("", "/"):
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port or (443 if scheme == 'https' else 80)}"


def named_urls(name: str, default: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`Name=https://url;Other name=https://other`: an ordered list of named https URLs."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    found: list[tuple[str, str]] = []
    for item in value.split(";"):
        if not item.strip():
            continue
        label, sep, address = item.partition("=")
        address = address.strip()
        plain = address.removeprefix("oidf:")
        if not sep or not label.strip() or not plain.startswith(("https://", "http://")):
            raise _fail(name, f"expected 'Name=https://url' items separated by ';', got {item!r}")
        found.append((label.strip(), address))
    return found
