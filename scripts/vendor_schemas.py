"""Vendor the JSON Schemas the verifier validates credentials against.

Run from the repository root: `.venv/bin/python scripts/vendor_schemas.py [--interop DIR]`. It
copies each schema below from the team's interop corpus (shared/interop/schemas, itself taken
from 1EdTech's repositories, see its MANIFEST.tsv) unchanged into
`wallet/verification/schemas/files/`, and writes `manifest.json` (url, file, sha256, source).
Several URLs may name one file (an extension's schema is published under two hosts).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "wallet" / "verification" / "schemas"
OB2_EXT = "1edtech-ob-spec/ob_v2p0/extensions"

# (URLs, path under shared/interop/schemas, vendored file name). OB 2.0 extension schemas only:
# the corpus has no copy of the published OB 3.0 / CLR 2.0 schemas (2019-09), only draft-04
# ports of their VC 1.1-era versions, which require `issuanceDate` and so fail every VC 2.0
# credential, 1EdTech's own valid ones included. Those URLs are left to the caller's fetcher:
# the app fetches them through the outbound door and keeps them in the shared cache
# (wallet.verifier.SchemaCache). Searched again for issue 15: the public code index holds the
# published 2019-09 texts in no repository (only a TypeScript transcription of the OB one),
# so no exact copy could be vendored, and none is written by hand.
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
    manifest.sort(key=lambda entry: entry["url"])
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"vendored {len(SCHEMAS)} schemas under {len(manifest)} URLs")


if __name__ == "__main__":
    main()
