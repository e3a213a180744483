import pytest

from wallet.verification.errors import MalformedInput, UnsupportedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import ParsedInput, parse_input

from .parse_samples import b64url, credential, signed_token, to_bytes

LIMITS = Limits()


def malformed_code(data: bytes, limits: Limits = LIMITS, **kwargs) -> str:
    with pytest.raises(MalformedInput) as caught:
        parse_input(data, limits=limits, **kwargs)
    return caught.value.code


def test_it_reads_a_json_credential_as_one_document():
    parsed = parse_input(to_bytes(credential()), limits=LIMITS)
    assert parsed == ParsedInput("json", document=credential())


def test_it_reads_a_json_list_of_credentials_as_several_documents():
    parsed = parse_input(to_bytes([credential("A"), credential("B")]), limits=LIMITS)
    assert parsed.container == "json"
    assert parsed.document is None
    assert [doc["name"] for doc in parsed.documents] == ["A", "B"]


def test_it_reads_a_list_holding_jwt_strings_with_each_token_kept_as_written():
    token = signed_token({"vc": credential("T")})
    parsed = parse_input(to_bytes([token, credential("A")]), limits=LIMITS)
    assert parsed.documents == (token, credential("A"))


def test_it_refuses_a_list_holding_text_that_is_not_a_token():
    data = to_bytes([credential("A"), "just a note"])
    assert malformed_code(data) == "parse.json_top_level"


def test_it_counts_tokens_against_the_nesting_limit():
    token = signed_token({"vc": credential()})
    data = to_bytes([token, token, credential()])
    assert malformed_code(data, Limits(max_nested_credentials=2)) == "parse.too_large"


def test_it_refuses_a_list_with_more_credentials_than_the_nesting_limit():
    data = to_bytes([credential()] * 3)
    assert malformed_code(data, Limits(max_nested_credentials=2)) == "parse.too_large"


def test_it_reads_json_after_a_byte_order_mark_and_whitespace():
    parsed = parse_input(b"\xef\xbb\xbf \n" + to_bytes(credential()), limits=LIMITS)
    assert parsed.document == credential()


def test_it_reads_a_compact_jws_trimmed_of_surrounding_whitespace():
    token = signed_token(credential())
    parsed = parse_input(f"\n  {token}\r\n".encode(), limits=LIMITS)
    assert parsed == ParsedInput("jwt", token=token)


def test_it_leaves_the_token_payload_undecoded_so_nothing_unverified_looks_like_a_document():
    parsed = parse_input(signed_token(credential()).encode(), limits=LIMITS)
    assert parsed.document is None


def test_it_rejects_a_token_with_four_parts():
    token = signed_token(credential()) + ".extra"
    assert malformed_code(token.encode()) == "parse.jwt_invalid"


def test_it_reports_an_encrypted_token_as_unsupported():
    jwe = ".".join(
        b64url(part) for part in (b'{"alg":"RSA-OAEP","enc":"A256GCM"}', b"k", b"iv", b"c", b"t")
    )
    with pytest.raises(UnsupportedInput) as caught:
        parse_input(jwe.encode(), limits=LIMITS)
    assert caught.value.code == "parse.jwe"


@pytest.mark.parametrize(
    "header, payload",
    [
        (b"not json", b'{"a": 1}'),
        (b'["alg"]', b'{"a": 1}'),
        (b'{"typ": "JWT"}', b'{"a": 1}'),
        (b'{"alg": "EdDSA"}', b'"a string"'),
        (b'{"alg": "EdDSA", "alg": "none"}', b'{"a": 1}'),
    ],
)
def test_it_rejects_a_token_whose_header_or_payload_is_not_a_json_object(header, payload):
    token = f"{b64url(header)}.{b64url(payload)}.{b64url(b'sig')}"
    with pytest.raises(MalformedInput):
        parse_input(token.encode(), limits=LIMITS)


def test_it_rejects_a_token_with_padding_or_an_empty_payload():
    token = signed_token(credential())
    head, _, signature = token.split(".")
    assert malformed_code(f"{head}..{signature}".encode()) == "parse.jwt_invalid"
    assert malformed_code(f"{head}=.e30.{signature}".encode()) == "parse.jwt_invalid"


@pytest.mark.parametrize(
    "url", ["https://issuer.example/assertions/1", "HTTP://issuer.example:8080/a?b=c&d=e#f"]
)
def test_it_reads_an_http_link(url):
    assert parse_input(f" {url}\n".encode(), limits=LIMITS) == ParsedInput("url", url=url)


@pytest.mark.parametrize(
    "text",
    [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:application/json,{}",
        "ftp://issuer.example/a.json",
        "did:web:issuer.example",
    ],
)
def test_it_rejects_links_that_are_not_http(text):
    assert malformed_code(text.encode()) == "parse.url_scheme"


@pytest.mark.parametrize(
    "text",
    ["https://issuer.example/a\nhttps://other.example/b", "https:///path-only", "https://[::1/"],
)
def test_it_rejects_links_that_are_split_hostless_or_unparseable(text):
    assert malformed_code(text.encode()) == "parse.url_invalid"


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf"])
def test_it_rejects_empty_input(data):
    assert malformed_code(data) == "parse.empty"


def test_it_rejects_text_that_is_no_known_format_and_mentions_the_declared_type():
    with pytest.raises(MalformedInput, match="labelled 'application/pdf'") as caught:
        parse_input(b"%PDF-1.7 hello", limits=LIMITS, media_type="application/pdf")
    assert caught.value.code == "parse.unrecognised"


def test_it_trusts_the_bytes_over_a_wrong_media_type():
    parsed = parse_input(to_bytes(credential()), limits=LIMITS, media_type="image/png")
    assert parsed.container == "json"


def test_it_rejects_invalid_utf8_text():
    assert malformed_code(b"eyJhbGciOiJFZERTQSJ9\xff.e30.c2ln") == "parse.encoding"


def test_it_rejects_input_over_the_size_limit_before_looking_at_it():
    data = to_bytes(credential())
    assert malformed_code(data, Limits(max_input_bytes=len(data) - 1)) == "parse.too_large"
