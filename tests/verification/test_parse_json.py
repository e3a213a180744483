import pytest

from wallet.verification.errors import MalformedInput
from wallet.verification.limits import Limits
from wallet.verification.parse import load_json

LIMITS = Limits()


def code_of(data: bytes | str, limits: Limits = LIMITS) -> str:
    with pytest.raises(MalformedInput) as caught:
        load_json(data, limits=limits)
    return caught.value.code


def test_it_loads_a_json_object():
    assert load_json(b'{"a": [1, 2.5, "x", null, true]}', limits=LIMITS) == {
        "a": [1, 2.5, "x", None, True]
    }


def test_it_loads_a_list_of_objects():
    assert load_json('[{"a": 1}, {"b": 2}]', limits=LIMITS) == [{"a": 1}, {"b": 2}]


def test_it_loads_a_list_mixing_objects_and_token_strings():
    assert load_json('["a.b.c", {"b": 2}]', limits=LIMITS) == ["a.b.c", {"b": 2}]


def test_it_accepts_a_leading_utf8_byte_order_mark():
    assert load_json(b'\xef\xbb\xbf{"a": 1}', limits=LIMITS) == {"a": 1}


def test_it_rejects_utf16_and_invalid_utf8():
    assert code_of('{"a": 1}'.encode("utf-16")) == "parse.encoding"
    assert code_of(b'{"a": "\xff"}') == "parse.encoding"


def test_it_rejects_a_key_repeated_in_one_object_even_when_nested():
    assert code_of(b'{"a": 1, "a": 2}') == "parse.json_duplicate_key"
    assert code_of(b'{"x": [{"id": "a", "id": "b"}]}') == "parse.json_duplicate_key"


def test_it_allows_the_same_key_in_different_objects():
    assert load_json(b'[{"id": 1}, {"id": 2}]', limits=LIMITS) == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_it_rejects_numbers_that_are_not_finite(number):
    assert code_of(f'{{"n": {number}}}') == "parse.json_number"


def test_it_rejects_an_integer_with_too_many_digits():
    assert code_of('{"n": ' + "9" * 5000 + "}") == "parse.json_number"


def test_it_accepts_nesting_up_to_the_limit_and_rejects_one_level_more():
    limits = Limits(max_json_depth=5)
    assert load_json('{"a": [[[{"b": 1}]]]}', limits=limits)
    assert code_of('{"a": [[[{"b": []}]]]}', limits) == "parse.json_depth"


def test_it_does_not_count_brackets_inside_strings_as_nesting():
    limits = Limits(max_json_depth=2)
    text = '{"a": "[[[[{{{{ \\" [[[[", "b": ["]]]]"]}'
    assert load_json(text, limits=limits) == {"a": '[[[[{{{{ " [[[[', "b": ["]]]]"]}


def test_it_rejects_input_larger_than_the_limit():
    assert code_of(b'{"a": "' + b"x" * 100 + b'"}', Limits(max_input_bytes=50)) == "parse.too_large"


@pytest.mark.parametrize("text", ['"just a string"', "42", "null", "[]", "[1, 2]", '[{"a": 1}, 2]'])
def test_it_rejects_a_top_level_that_is_not_an_object_or_a_list_of_objects(text):
    assert code_of(text) == "parse.json_top_level"


def test_it_rejects_malformed_json_with_its_position():
    with pytest.raises(MalformedInput, match="line 1, column") as caught:
        load_json(b'{"a": 1,}', limits=LIMITS)
    assert caught.value.code == "parse.json_invalid"


def test_it_rejects_an_unpaired_surrogate_but_keeps_a_paired_one():
    assert code_of(b'{"a": "\\ud800"}') == "parse.encoding"
    assert load_json(b'{"a": "\\ud83c\\udf93"}', limits=LIMITS) == {"a": "\N{GRADUATION CAP}"}
