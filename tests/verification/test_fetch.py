"""MapFetcher: the offline fetcher of tests and `verify --url-map` serves only what it maps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wallet.verification.fetch import MapFetcher

PREFIX = "https://example.org/"


@pytest.fixture
def mapped(tmp_path: Path) -> tuple[MapFetcher, Path]:
    folder = tmp_path / "served"
    (folder / "badges").mkdir(parents=True)
    (folder / "badges" / "one.json").write_text('{"served": true}')
    (tmp_path / "secret.json").write_text('{"secret": true}')
    url_map = tmp_path / "url-map.json"
    url_map.write_text(json.dumps({"map": {}, "_prefix_rules": {PREFIX: "served/"}}))
    return MapFetcher.from_url_map(url_map), tmp_path


def test_a_prefix_rule_serves_the_files_in_its_folder(mapped):
    fetcher, _ = mapped
    result = fetcher.fetch(PREFIX + "badges/one.json")
    assert result.status == 200
    assert result.json() == {"served": True}


@pytest.mark.parametrize(
    "rest",
    [
        "../secret.json",
        "badges/../../secret.json",
        "./../secret.json",
        "badges/./../../secret.json",
    ],
)
def test_a_prefix_rule_never_reads_above_its_folder(mapped, rest):
    fetcher, _ = mapped
    assert fetcher.fetch(PREFIX + rest).status == 404


def test_a_prefix_rule_never_reads_an_absolute_path(mapped):
    fetcher, root = mapped
    assert fetcher.fetch(PREFIX + str(root / "secret.json")).status == 404
    assert fetcher.fetch(PREFIX.rstrip("/") + "//" + str(root / "secret.json")).status == 404


def test_a_prefix_rule_never_follows_a_link_out_of_its_folder(mapped):
    fetcher, root = mapped
    (root / "served" / "link.json").symlink_to(root / "secret.json")
    assert fetcher.fetch(PREFIX + "link.json").status == 404


def test_dot_segments_that_stay_inside_the_folder_still_resolve(mapped):
    fetcher, _ = mapped
    assert fetcher.fetch(PREFIX + "badges/../badges/one.json").status == 200


@pytest.mark.parametrize("rest", ["bad\x00name.json", "x" * 5000])
def test_a_name_no_file_can_have_is_not_found_not_an_error(mapped, rest):
    fetcher, _ = mapped
    assert fetcher.fetch(PREFIX + rest).status == 404
