"""pyld's internals are used in one module only, against the pyld version it was read for."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from wallet.verification import canon, pyld_adapter

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "wallet" / "verification"
ADAPTER = "wallet/verification/pyld_adapter.py"
_CHECKED = ".".join(map(str, pyld_adapter.CHECKED_VERSION))
_HOW_TO_MOVE_ON = (
    f"{ADAPTER} reaches into pyld internals (RELIED_ON, DROPPED_KEY_LOCAL, CONTEXT_ID) and was "
    f"read against pyld {_CHECKED}.x. Before taking another pyld: read each of those in the "
    "new pyld's source, run tests/verification, then set CHECKED_VERSION and the pyld pin in "
    "pyproject.toml to the new minor version."
)


def test_the_installed_pyld_is_the_minor_version_the_adapter_was_checked_against() -> None:
    installed = pyld_adapter.installed_version()
    major_minor = tuple(int(part) for part in installed.split(".")[:2])

    assert major_minor == pyld_adapter.CHECKED_VERSION, (
        f"pyld {installed} is installed. {_HOW_TO_MOVE_ON}"
    )


def test_pyproject_pins_pyld_to_the_checked_minor_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if re.match(r"pyld\b", d, re.I)]
    major, minor = pyld_adapter.CHECKED_VERSION

    assert pins == [f"pyld>={major}.{minor},<{major}.{minor + 1}"], (
        f"pyproject.toml pins {pins}. {_HOW_TO_MOVE_ON}"
    )


def test_every_private_name_the_adapter_relies_on_is_still_in_pyld() -> None:
    owners = {
        "pyld.jsonld.JsonLdProcessor": jsonld.JsonLdProcessor,
        "pyld.jsonld": jsonld,
        "pyld.canon.URDNA2015 instance": URDNA2015(),
        "pyld.identifier_issuer.IdentifierIssuer instance": IdentifierIssuer("_:b"),
    }
    missing = [
        f"{owner}.{name}"
        for owner, names in pyld_adapter.RELIED_ON.items()
        for name in names
        if not hasattr(owners[owner], name)
    ]

    assert missing == [], f"pyld no longer has {missing}. {_HOW_TO_MOVE_ON}"


def test_the_dropped_property_is_still_reported_from_inside_a_loop_over_key() -> None:
    code = jsonld.JsonLdProcessor._expand_object.__code__

    assert pyld_adapter.DROPPED_KEY_LOCAL in code.co_varnames, _HOW_TO_MOVE_ON
    assert "on_property_dropped" in code.co_names, _HOW_TO_MOVE_ON


def test_expand_still_deep_copies_its_input_through_copy_deepcopy() -> None:
    # The adapter hands expand() a document whose deep copy is itself (_Uncopied).
    assert "deepcopy" in jsonld.JsonLdProcessor.expand.__code__.co_names, _HOW_TO_MOVE_ON


def test_a_dropped_property_is_named_as_the_document_wrote_it() -> None:
    document = {
        "@context": {"@version": 1.1, "name": "https://schema.org/name"},
        "name": "kept",
        "nickName": "dropped",
    }
    dropped: list[pyld_adapter.Dropped] = []

    pyld_adapter.expand(
        document,
        with_processor=pyld_adapter.tracking_processor(dropped),
        loader=lambda url, options=None: {},
    )

    assert dropped == [("nickName", ("", "nickName"))]


def test_processed_contexts_and_expanded_terms_are_remembered_across_documents() -> None:
    pyld_adapter.PROCESSED_CONTEXTS.clear()
    pyld_adapter.EXPANDED_IRIS.clear()
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }

    first = canon.expand(document)
    remembered = (len(pyld_adapter.PROCESSED_CONTEXTS), len(pyld_adapter.EXPANDED_IRIS))

    assert canon.expand(document) == first
    assert remembered[0] > 0 and remembered[1] > 0, (
        f"pyld's frozen contexts no longer carry {pyld_adapter.CONTEXT_ID!r}. {_HOW_TO_MOVE_ON}"
    )
    assert (len(pyld_adapter.PROCESSED_CONTEXTS), len(pyld_adapter.EXPANDED_IRIS)) == remembered


def test_no_module_but_the_adapter_touches_pyld_internals() -> None:
    offenders = []
    for path in sorted(LIBRARY.rglob("*.py")):
        if path.name == "pyld_adapter.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyld."):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id == "jsonld"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} uses jsonld.{node.attr}")
            if isinstance(node, ast.Attribute) and node.attr == "_getframe":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} reads a stack frame")

    assert offenders == [], f"pyld internals belong in {ADAPTER}: {offenders}"
