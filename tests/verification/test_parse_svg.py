import json
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import ParsedInput, bake_svg, parse_input

from .parse_samples import (
    CLR_NS,
    OB2_NS,
    OB3_NS,
    PUBLIC_DOCTYPE,
    SVG_IMAGE,
    SVG_NS,
    credential,
    ob2_assertion,
    signed_token,
)

LIMITS = Limits()


def malformed_code(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(MalformedInput) as caught:
        parse_input(data, limits=limits)
    return caught.value.code


def children(svg: bytes) -> list[Element]:
    return list(ElementTree.fromstring(svg))


def test_it_extracts_a_json_credential_baked_in_cdata():
    baked = bake_svg(SVG_IMAGE, json.dumps(credential()), kind="ob3")
    assert parse_input(baked, limits=LIMITS) == ParsedInput(
        "svg", document=credential(), baked_as="ob3"
    )


def test_it_keeps_cdata_intact_when_the_json_contains_its_end_marker():
    tricky = credential("Badge ]]> <script>alert(1)</script> ]]]]>")
    baked = bake_svg(SVG_IMAGE, json.dumps(tricky), kind="ob3")
    assert parse_input(baked, limits=LIMITS).document == tricky
    element = children(baked)[0]
    assert element.tag == f"{{{OB3_NS}}}credential"
    assert json.loads(element.text) == tricky
    assert not [node for node in ElementTree.fromstring(baked).iter() if "script" in node.tag]


def test_it_bakes_a_token_in_the_verify_attribute_of_an_empty_first_child():
    token = signed_token(credential())
    baked = bake_svg(SVG_IMAGE, token, kind="ob3")
    first = children(baked)[0]
    assert first.tag == f"{{{OB3_NS}}}credential"
    assert first.attrib == {"verify": token}
    assert first.text is None and len(first) == 0
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked.split(b">", 2)[1]
    assert parse_input(baked, limits=LIMITS) == ParsedInput("svg", token=token, baked_as="ob3")


def test_it_bakes_a_clr_in_its_own_namespace():
    baked = bake_svg(SVG_IMAGE, json.dumps(credential()), kind="clr")
    assert children(baked)[0].tag == f"{{{CLR_NS}}}credential"
    assert parse_input(baked, limits=LIMITS).baked_as == "clr"


def test_it_bakes_an_open_badges_2_hosted_link_with_characters_that_need_escaping():
    url = 'https://issuer.example/a?x=1&y="2"<'
    baked = bake_svg(SVG_IMAGE, url, kind="ob2")
    assert children(baked)[0].tag == f"{{{OB2_NS}}}assertion"
    assert parse_input(baked, limits=LIMITS).url == url


def test_baking_again_replaces_the_element_and_declares_the_namespace_once():
    first = bake_svg(SVG_IMAGE, json.dumps(credential("First")), kind="ob3")
    second = bake_svg(first, signed_token(credential("Second")), kind="ob3")
    tags = [child.tag for child in children(second)]
    assert tags == [f"{{{OB3_NS}}}credential", f"{{{SVG_NS}}}circle"]
    assert second.count(b"xmlns:openbadges=") == 1
    assert parse_input(second, limits=LIMITS).token


def test_it_declares_the_namespace_on_the_element_when_the_prefix_means_something_else():
    ob2_baked = bake_svg(SVG_IMAGE, "https://issuer.example/a/1", kind="ob2")
    both = bake_svg(ob2_baked, json.dumps(credential()), kind="ob3")
    tags = [child.tag for child in children(both)]
    assert tags[:2] == [f"{{{OB3_NS}}}credential", f"{{{OB2_NS}}}assertion"]
    assert parse_input(both, limits=LIMITS).baked_as == "ob3"


def test_it_bakes_into_a_self_closing_root():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    baked = bake_svg(svg, json.dumps(credential()), kind="ob3")
    assert parse_input(baked, limits=LIMITS).document == credential()


def test_it_reads_an_svg_with_a_public_doctype_as_drawing_tools_write_them():
    svg = SVG_IMAGE.replace(b"?>\n", b"?>\n" + PUBLIC_DOCTYPE, 1)
    baked = bake_svg(svg, json.dumps(credential()), kind="ob3")
    assert parse_input(baked, limits=LIMITS).document == credential()


def test_it_reads_an_open_badges_2_hosted_baking_with_link_and_assertion_copy():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        '<openbadges:assertion verify="https://issuer.example/assertions/1">'
        f"<![CDATA[{json.dumps(ob2_assertion())}]]></openbadges:assertion></svg>"
    ).encode()
    parsed = parse_input(svg, limits=LIMITS)
    assert (parsed.url, parsed.document) == ("https://issuer.example/assertions/1", ob2_assertion())


def test_it_refuses_an_element_carrying_a_token_and_a_different_json_body():
    svg = (
        f'<svg xmlns="{SVG_NS}" xmlns:ob="{OB3_NS}"><ob:credential verify="{signed_token({})}">'
        f"{json.dumps(credential())}</ob:credential></svg>"
    ).encode()
    assert malformed_code(svg) == "parse.svg_ambiguous"


def test_it_refuses_two_badge_elements_of_the_same_kind():
    svg = (
        f'<svg xmlns="{SVG_NS}" xmlns:ob="{OB3_NS}">'
        f"<ob:credential>{json.dumps(credential('A'))}</ob:credential>"
        f"<g><ob:credential>{json.dumps(credential('B'))}</ob:credential></g></svg>"
    ).encode()
    assert malformed_code(svg) == "parse.svg_duplicate"


def test_it_says_so_when_the_svg_has_no_badge_or_an_empty_one():
    assert malformed_code(SVG_IMAGE) == "parse.not_baked"
    empty = f'<svg xmlns="{SVG_NS}"><c:credential xmlns:c="{OB3_NS}"> </c:credential></svg>'
    assert malformed_code(empty.encode()) == "parse.baked_empty"


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",
        b"<svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'>&undefined;</svg>",
    ],
)
def test_it_rejects_xml_that_is_not_a_well_formed_svg(xml):
    assert malformed_code(xml) == "parse.svg_invalid"


def test_it_rejects_an_svg_larger_than_its_limit():
    assert malformed_code(SVG_IMAGE, Limits(max_svg_bytes=50)) == "parse.too_large"


def test_bake_svg_refuses_unknown_kinds_links_for_open_badges_3_and_control_characters():
    with pytest.raises(ValueError):
        bake_svg(SVG_IMAGE, "{}", kind="ob4")
    with pytest.raises(ValueError):
        bake_svg(SVG_IMAGE, "https://issuer.example/a", kind="ob3")
    with pytest.raises(ValueError):
        bake_svg(SVG_IMAGE, '{"a": "\x00"}', kind="ob3")


def test_bake_svg_refuses_non_ascii_payloads_for_an_svg_not_encoded_in_utf8():
    latin = SVG_IMAGE.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    with pytest.raises(ValueError):
        bake_svg(latin, json.dumps(credential("Café"), ensure_ascii=False), kind="ob3")
    baked = bake_svg(latin, json.dumps(credential("Café")), kind="ob3")
    assert parse_input(baked, limits=LIMITS).document["name"] == "Café"
    utf8 = bake_svg(SVG_IMAGE, json.dumps(credential("Café"), ensure_ascii=False), kind="ob3")
    assert parse_input(utf8, limits=LIMITS).document["name"] == "Café"
