"""Vendor the JSON Schemas the verifier validates credentials against.

Run from the repository root: `.venv/bin/python scripts/vendor_schemas.py [--interop DIR]`. It
copies each schema below from the team's interop corpus (shared/interop/schemas, itself taken
from 1EdTech's repositories, see its MANIFEST.tsv) unchanged into
`wallet/verification/schemas/files/`, and writes `manifest.json` (url, file, sha256, source).
Several URLs may name one file (an extension's schema is published under two hosts).

1EdTech's OB 3.0 / CLR 2.0 schemas live in `wallet/verification/schemas/1edtech/` (see
docs/decisions/0020-1edtech-credential-schemas.md). Those copied from 1EdTech's published files
(COPIED, via the public repository conform-ed/conform-ed) are checked in as they are and only
listed here. The OB 3.0 AchievementCredential and EndorsementCredential schemas were found in no
public copy: they are DERIVED here, mechanically, from the vendored official
GetOpenBadgeCredentialsResponse schema (its definition of the class becomes the root, the
definitions it reaches stay its `$defs`, serialised as 1EdTech's generator does). The same
extraction applied to the CLR response schema gives 1EdTech's published
clr_v2p0_clrcredential_schema.json byte for byte, and its EndorsementCredential definition the
published clr_v2p0_endorsementcredential_schema.json but for the order of `$defs`; the OB
response's AchievementCredential definition gives the published
clr_v2p0_achievementcredential_schema.json but for that order and the order of the two
branches of `Context` (tests/verification/test_schemas_1edtech.py checks all three).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "wallet" / "verification" / "schemas"
OB2_EXT = "1edtech-ob-spec/ob_v2p0/extensions"
EDTECH = "1edtech"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
CLR = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/"
CONFORM_ED = "conform-ed/conform-ed packages/coverage/vendor/"
_AS_PUBLISHED = (
    " (1EdTech's published schema, as that repository vendored it from purl.imsglobal.org; its "
    "title calls it the JSON-LD adaptation of the formal schema)"
)
# (file, source) of the 1EdTech files kept as published; the URL is each file's `$id`.
COPIED: list[tuple[str, str]] = [
    (
        "ob_v3p0_getopenbadgecredentialsresponse_schema.json",
        f"{CONFORM_ED}open-badges/v3_0/ob_v3p0_getopenbadgecredentialsresponse_schema.json"
        f" @dfaddb0e1284e3c50d246b3fab17f8ed018ae2ad{_AS_PUBLISHED}",
    ),
    (
        "ob_v3p0_imsx_statusinfo_schema.json",
        f"{CONFORM_ED}open-badges/v3_0/ob_v3p0_imsx_statusinfo_schema.json"
        f" @dfaddb0e1284e3c50d246b3fab17f8ed018ae2ad{_AS_PUBLISHED}",
    ),
    *(
        (
            name,
            f"{CONFORM_ED}clr/v2_0/{name} @b379d26bf5841ef0f6008e5f63eaf8966b865769{_AS_PUBLISHED}",
        )
        for name in (
            "clr_v2p0_getclrcredentialsresponse_schema.json",
            "clr_v2p0_imsx_statusinfo_schema.json",
            "clr_v2p0_clrcredential_schema.json",
            "clr_v2p0_achievementcredential_schema.json",
            "clr_v2p0_endorsementcredential_schema.json",
        )
    ),
]
# (file, class) derived from the OB 3.0 response schema.
DERIVED: list[tuple[str, str]] = [
    ("ob_v3p0_achievementcredential_schema.json", "AchievementCredential"),
    ("ob_v3p0_endorsementcredential_schema.json", "EndorsementCredential"),
]
OB_RESPONSE = "ob_v3p0_getopenbadgecredentialsresponse_schema.json"


def jackson(value: Any, depth: int = 0) -> str:
    """JSON as Jackson's default pretty printer writes it (1EdTech's schema files)."""
    pad = "  " * depth
    if isinstance(value, dict):
        if not value:
            return "{ }"
        items = [f"{pad}  {json.dumps(k)} : {jackson(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(jackson(v, depth) for v in value) + " ]"
    return json.dumps(value, ensure_ascii=False)


def _references(node: Any) -> list[str]:
    return re.findall(r'"#/\$defs/([A-Za-z0-9_]+)"', json.dumps(node))


def derive(response_text: str, root: str, url: str, order: list[str] | None = None) -> str:
    """The schema of one class of a response schema: that class's definition as the root,
    the definitions it reaches (itself too, if it refers to itself) as `$defs`, in the
    response's order unless `order` is given, titled as 1EdTech titles its per-class files."""
    response = json.loads(response_text)
    defs: dict[str, Any] = response["$defs"]
    body = defs[root]
    reached: set[str] = set()
    stack = [body]
    while stack:
        for name in _references(stack.pop()):
            if name not in reached:
                reached.add(name)
                stack.append(defs[name])
    names = order if order is not None else [n for n in defs if n in reached and n != root]
    if order is None and root in reached:
        names.append(root)
    assert set(names) == reached | ({root} & reached), "order must name every reached definition"
    document = {
        "$schema": response["$schema"],
        "$id": url,
        "title": (
            f"JSON-LD Schema adaptation for the {root} class, enabling JSON-LD value compaction "
            "features to the formal JSON Schema "
            "(https://www.w3.org/TR/json-ld11/#representing-singular-values-as-arrays). "
            "\nNOTE: Only use this schema when working with JSON-LD payloads.\n"
            f"Please refer to {url} for the formal JSON Schema definition."
        ),
        **body,
        "$defs": {name: defs[name] for name in names},
    }
    return jackson(document)


# (URLs, path under shared/interop/schemas, vendored file name): the OB 2.0 extension schemas.
# (The corpus's draft-04 ports of the VC 1.1-era OB 3.0 schemas are not used: they require
# `issuanceDate`. The 1EdTech OB 3.0 / CLR 2.0 schemas are the COPIED and DERIVED files above;
# any other schema a credential names is fetched by the app through the outbound door.)
SCHEMAS: list[tuple[tuple[str, ...], str, str]] = []
_OB2_EXTENSIONS = {
    "accessibilityExtension": (),
    "applyLinkExtension": (),
    "endorsement": (),
    "exampleExtension": (),
    "geoCoordinatesExtension": (),
    "licenseExtension": (),
    "originalCreatorExtension": (),
    "recipientProfile": (),
    "assessmentExtension": ("http://purl.imsglobal.org/spec/ob-assessment/v1p0/schema/",),
    "extraDescription": ("http://purl.imsglobal.org/spec/ob-exdesc/v1p0/schema/",),
    "issuerAccreditationExtension": ("http://purl.imsglobal.org/spec/ob-accred/v1p0/schema/",),
}
for _name, _extra in _OB2_EXTENSIONS.items():
    SCHEMAS.append(
        (
            (
                f"https://openbadgespec.org/extensions/{_name}/schema.json",
                f"https://w3id.org/openbadges/extensions/{_name}/schema.json",
                *_extra,
            ),
            f"{OB2_EXT}/{_name}/schema.json",
            f"ob2-ext-{_name}.json",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = os.environ.get("SATCHEL_SHARED_DIR") or str(REPO.parent / "shared" / "interop")
    parser.add_argument("--interop", default=default)
    source_root = Path(parser.parse_args().interop) / "schemas"
    files = OUT / "files"
    files.mkdir(parents=True, exist_ok=True)
    manifest = []
    for urls, source, name in SCHEMAS:
        shutil.copyfile(source_root / source, files / name)
        digest = hashlib.sha256((files / name).read_bytes()).hexdigest()
        for url in urls:
            manifest.append(
                {
                    "url": url,
                    "file": f"files/{name}",
                    "sha256": digest,
                    "source": f"shared/interop/schemas/{source}",
                }
            )
    folder = OUT / EDTECH
    response = (folder / OB_RESPONSE).read_text(encoding="utf-8")
    for name, root in DERIVED:
        (folder / name).write_text(derive(response, root, OB + name), encoding="utf-8")
    sources = [
        *COPIED,
        *(
            (
                name,
                f"DERIVED by scripts/vendor_schemas.py from {OB_RESPONSE} (the {root} "
                "definition as the root; no published copy of this file was found)",
            )
            for name, root in DERIVED
        ),
    ]
    for name, source in sources:
        raw = (folder / name).read_bytes()
        manifest.append(
            {
                "url": json.loads(raw)["$id"],
                "file": f"{EDTECH}/{name}",
                "sha256": hashlib.sha256(raw).hexdigest(),
                "source": source,
            }
        )
    manifest.sort(key=lambda entry: entry["url"])
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"vendored {len(SCHEMAS) + len(sources)} schemas under {len(manifest)} URLs")


if __name__ == "__main__":
    main()
