"""What the record pages print from a credential: Markdown sanitised, links inert unless web."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wallet.templatetags.wallet_record import humanise_type, markdown_safe, safe_url

PIECES = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    '<svg onload="alert(1)">',
    "<iframe src=//evil.example>",
    "<style>body{}</style>",
    '<a href="https://ok.example" onclick="x()">ok</a>',
    "[ok](https://ok.example)",
    "**bold**",
    "\n\n- item\n",
    "`code`",
    "<div style='color:red'>x</div>",
    "&lt;script&gt;",
    "<",
    ">",
    '"',
]


def _is_inert(html: str) -> bool:
    lowered = html.lower()
    return (
        "<script" not in lowered
        and "<iframe" not in lowered
        and "<svg" not in lowered
        and "<style" not in lowered
        and "<img" not in lowered
        and not re.search(r"<[^>]+\son\w+\s*=", lowered)
        and not re.search(r"<[^>]+style\s*=", lowered)
        # As text "javascript:" is harmless; inside a tag (an href) it is not.
        and not re.search(r"<[^>]*javascript:", lowered)
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=20), max_size=8).map("".join))
def test_whatever_a_narrative_says_its_html_is_inert(text: str) -> None:
    assert _is_inert(str(markdown_safe(text)))


def test_markdown_keeps_its_formatting_and_links_open_safely() -> None:
    html = str(markdown_safe("Some **bold**, a [link](https://ok.example) and\n\n- a list"))
    assert "<strong>bold</strong>" in html
    assert '<a href="https://ok.example" rel="noopener noreferrer">link</a>' in html
    assert "<li>a list</li>" in html


def test_raw_html_in_a_narrative_is_stripped_to_its_text() -> None:
    html = str(markdown_safe("Hello <b onclick='x()'>there</b><script>alert(1)</script>"))
    assert html == "<p>Hello <b>there</b></p>"


def test_nothing_is_printed_for_an_empty_or_odd_value() -> None:
    assert str(markdown_safe("")) == ""
    assert str(markdown_safe(None)) == ""
    assert str(markdown_safe({"@value": "x"})) == ""


def test_only_web_addresses_become_links() -> None:
    assert safe_url("https://ok.example/a") == "https://ok.example/a"
    assert safe_url(" http://ok.example ") == "http://ok.example"
    for value in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "", None, 3):
        assert safe_url(value) == ""


def test_achievement_types_read_as_words() -> None:
    assert humanise_type("AssociateDegree") == "Associate degree"
    assert humanise_type("ext:MicroCredential") == "Micro credential"
    assert humanise_type("CLR") == "CLR"
    assert humanise_type("") == ""
