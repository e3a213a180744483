"""Every word a template shows goes through Django's translation machinery, and every
language Satchel offers is translated completely.

A template's text outside `{% translate %}` / `{% blocktranslate %}` (and the human-facing
attributes: title, alt, placeholder, aria-label, aria-description) is reported with its file
and line. Product names and format names that are the same in every language are allowed.
"""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.base import DebugLexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
LOCALES = ROOT / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# Words that read the same in every language: names of products, standards and formats.
SAME_EVERYWHERE = {
    "Satchel",
    "CLR",
    "DID",
    "DIDs",
    "JSON",
    "JWT",
    "PNG",
    "SVG",
    "PDF",
    "QR",
    "URL",
    "CSV",
    "ZIP",
    "LinkedIn",
    "Open",
    "Badges",
    "OpenID4VP",
    "OpenID4VCI",
    "VC-API",
    "did:key",
    "did:web",
    "OB",
    "CASE",
    "LER-RS",
}
HUMAN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
# Literal strings a template hands to a filter or tag that shows them: `default:"..."` and
# nav_link's label must be `_("...")`.
SHOWN_LITERAL = re.compile(r'(?:default:|\{% nav_link \S+ )(["\'])([^"\']*)\1')
WORD = re.compile(r"[^\W\d_][\w:'\u2019-]*", re.UNICODE)


def _words_to_translate(text: str) -> list[str]:
    words = WORD.findall(text)
    return [w for w in words if w not in SAME_EVERYWHERE and len(w) > 1]


class _TextFinder(HTMLParser):
    """Text nodes and human-facing attribute values of one stretch of template text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in HUMAN_ATTRIBUTES and value and _words_to_translate(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _words_to_translate(data):
            self.found.append((self.getpos()[0], data.strip()))


def unmarked_strings(path: Path) -> list[str]:
    """`file:line: text` for each stretch of text a reader sees untranslated."""
    source = path.read_text()
    # Text between template tags is judged without them; the tags' own places are blanked
    # (keeping newlines) so line numbers stay right.
    blanked: list[str] = []
    depth = 0  # inside translate blocks, comments or verbatim
    literals: list[tuple[int, str]] = []
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        text = source[start:end]
        if token.token_type in (TokenType.BLOCK, TokenType.VAR) and depth == 0:
            for match in SHOWN_LITERAL.finditer(text):
                if _words_to_translate(match.group(2)):
                    literals.append((token.lineno, match.group(0)))
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                depth += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment", "endverbatim"):
                depth -= 1
            blanked.append(_blank(text))
        elif token.token_type == TokenType.TEXT and depth == 0:
            blanked.append(text)
        else:
            blanked.append(_blank(text))
    finder = _TextFinder()
    finder.feed("".join(blanked))
    finder.close()
    relative = path.relative_to(ROOT)
    found = sorted(finder.found + literals)
    return [f"{relative}:{line}: {text[:80]}" for line, text in found]


def _blank(text: str) -> str:
    # A placeholder that is neither a word nor markup, newlines kept.
    return "".join("\n" if c == "\n" else " " for c in text)


# Markup only: allauth's element templates build a tag name from template logic.
MARKUP_ONLY = {TEMPLATES / "allauth" / "elements" / "button.html"}


def _templates() -> list[Path]:
    return sorted(
        p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt") and p not in MARKUP_ONLY
    )


def test_every_template_string_is_marked_for_translation():
    unmarked = [line for path in _templates() for line in unmarked_strings(path)]
    assert unmarked == [], "Not marked for translation:\n" + "\n".join(unmarked)


def test_the_checker_finds_text_and_attributes_left_unmarked(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    page = tmp_path / "page.html"
    page.write_text(
        "{% load i18n %}<h1>{% translate 'Your record' %}</h1>\n"
        "<p>Shared with {{ name }}</p>\n"
        '<img alt="Badge picture" src="x.png">\n'
        "{% blocktranslate %}Kept {{ n }} days{% endblocktranslate %}\n"
        "<script>var notText = 'hello';</script><p>Satchel · JSON</p>\n"
        '{{ title|default:"Untitled badge" }} {{ title|default:_("Untitled badge") }}\n'
    )
    assert unmarked_strings(page) == [
        "page.html:2: Shared with",
        'page.html:3: alt="Badge picture"',
        'page.html:6: default:"Untitled badge"',
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_language_is_translated_completely(language):
    po = polib.pofile(str(LOCALES / language / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_its_source(language):
    folder = LOCALES / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    with (folder / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            for n in (0, 1, 2, 3, 11, 100, 1_000_000):
                form = entry.msgstr_plural[catalogue.plural(n)]  # type: ignore[attr-defined]
                assert catalogue.ngettext(entry.msgid, entry.msgid_plural, n) == form
        elif entry.msgctxt:
            assert catalogue.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert catalogue.gettext(entry.msgid) == entry.msgstr, (
                f"{language}: django.mo is older than django.po; run `make messages`"
            )
