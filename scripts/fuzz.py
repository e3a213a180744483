"""`make fuzz`: mutated credentials through the verifier for a while; what broke, what was slow.

Seeds: the test issuer's outputs (every format and variant), the JSON and JWT files under
tests/vectors, and the interop corpus's credentials (SATCHEL_SHARED_DIR, or ../shared/interop
next to the repository, when present). Each round takes a seed and mutates it, as bytes
(flips, cuts, splices) or as structure (look-alike blank nodes, JSON-LD lists, deep nesting,
huge arrays, trees of identical objects, odd addresses, keys and proofs), then re-encodes it
as it came (JSON, a compact JWS, a baked PNG or SVG) and calls `verify_bytes` offline, under
the CPU budget the app uses.

Reported: inputs run, unhandled exceptions (anything `verify_bytes` raised), safety-net hits
(an `internal.error` check: an exception the pipeline only caught generically), verdicts,
and the slowest input's CPU time. Each finding, the slowest input and the input being run
(if the run never finishes) are saved under var/fuzz/ to reproduce with `manage.py verify`.
Not part of `make test`: it is bounded by time, not by a fixed set of cases.
"""

from __future__ import annotations

import argparse
import base64
import collections
import copy
import hashlib
import json
import os
import random
import resource
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.issuer import NOW, TestIssuer  # noqa: E402
from wallet.verification import Budget, Report, VerifyOptions, verify_bytes  # noqa: E402
from wallet.verification.fetch import FetchResult, MapFetcher  # noqa: E402
from wallet.verification.limits import Limits  # noqa: E402
from wallet.verification.parse import parse_input  # noqa: E402
from wallet.verification.parse.png import bake_png  # noqa: E402
from wallet.verification.parse.svg import bake_svg  # noqa: E402

OUT = ROOT / "var" / "fuzz"
MAX_BYTES = Limits().max_input_bytes
# The app's default (SATCHEL_VERIFY_CPU_SECONDS); a slower input is a finding in itself.
BUDGET_SECONDS = 10.0


# --- seeds -----------------------------------------------------------------------------------


class Seed:
    """An input as it arrived: `kind` says how to re-encode a mutated document."""

    def __init__(self, name: str, data: bytes, kind: str, document: Any = None) -> None:
        self.name, self.data, self.kind, self.document = name, data, kind, document


def issuer_seeds(issuer: TestIssuer) -> list[Seed]:
    made: dict[str, Any] = {}
    for variant in ("valid", "tampered", "revoked", "expired", "wrong_key"):
        made[f"ob3-{variant}"] = issuer.ob3(variant)
        made[f"clr-{variant}"] = issuer.clr(variant)
        made[f"ob2-hosted-{variant}"] = issuer.ob2_hosted(variant)
        made[f"ob2-signed-{variant}"] = issuer.ob2_signed(variant)
        for alg in ("EdDSA", "EdDSA-did-jwk", "ES256", "RS256"):
            made[f"jwt-{alg}-{variant}"] = issuer.ob3_jwt(variant, alg=alg)
    made["ob3-large"] = issuer.ob3(large=True)
    made["ob3-2020"] = issuer.ob3(suite="Ed25519Signature2020")
    made["ob3-jcs"] = issuer.ob3(suite="eddsa-jcs-2022")
    made["vp"] = issuer.presentation([issuer.ob3(), issuer.ob3_jwt()])
    made["vp-jwt"] = issuer.presentation_jwt([issuer.ob3_jwt(), issuer.ob3_jwt(alg="ES256")])
    seeds = [_seed(name, value) for name, value in made.items()]
    seeds.append(Seed("png-ob3", issuer.baked_png(issuer.ob3()), "png", issuer.ob3()))
    seeds.append(Seed("svg-jwt", issuer.baked_svg(issuer.ob3_jwt()), "svg", issuer.ob3_jwt()))
    seeds.append(Seed("bomb-list", issuer.canonicalization_bomb(60), "json"))
    return seeds


def _seed(name: str, value: Any) -> Seed:
    if isinstance(value, str):
        return Seed(name, value.encode(), "jwt", value)
    return Seed(name, json.dumps(value).encode(), "json", value)


def file_seeds(folder: Path, names: Iterator[Path]) -> list[Seed]:
    seeds = []
    for path in names:
        data = path.read_bytes()
        if len(data) > MAX_BYTES:
            continue
        kind = {".png": "png", ".svg": "svg", ".jwt": "jwt", ".jws": "jwt"}.get(
            path.suffix.lower(), "json"
        )
        document: Any = None
        try:
            parsed = parse_input(data, limits=Limits())
            document = parsed.document if parsed.document is not None else parsed.token
        except Exception:  # an unreadable seed is still a seed, mutated as bytes only
            document = None
        seeds.append(Seed(str(path.relative_to(folder)), data, kind, document))
    return seeds


def vector_seeds() -> list[Seed]:
    folder = ROOT / "tests" / "vectors"
    paths = (
        p
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".json", ".jsonld", ".jwt") and "rdf-canon" not in p.parts
    )
    return file_seeds(folder, paths)


def interop_folder() -> Path | None:
    folder = Path(os.environ.get("SATCHEL_SHARED_DIR") or ROOT.parent / "shared" / "interop")
    return folder if (folder / "MANIFEST.tsv").is_file() else None


def interop_seeds(folder: Path) -> list[Seed]:
    rows = (folder / "MANIFEST.tsv").read_text().splitlines()[1:]
    paths = []
    for row in rows:
        cells = row.split("\t")
        if len(cells) >= 9 and cells[8] == "credential":
            paths.append(folder / cells[0])
    return file_seeds(folder, iter(p for p in paths if p.is_file()))


class CombinedFetcher:
    """The test issuer's map first, then the interop corpus's; anything else is a 404."""

    def __init__(self, *fetchers: MapFetcher) -> None:
        self.fetchers = fetchers

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        result = FetchResult(url=url, status=404, body=b"")
        for fetcher in self.fetchers:
            result = fetcher.fetch(url, accept=accept)
            if result.status != 404:
                return result
        return result


# --- mutations -------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    "_:b0",
    "_:b1",
    "https://e[xample.org/x",
    "https://example.org:99999/x",
    "http://[::1/x",
    "did:key:z6Mk",
    "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
    "did:web:e%5Bxample.org",
    "did:jwk:eyJrdHkiOiJPS1AifQ",
    "did:example:123#key-1",
    "urn:uuid:00000000-0000-4000-8000-000000000000",
    "data:application/vc+jwt,a.b.c",
    "z" + "2" * 2000,
    "u" + "A" * 3000,
    "\u0000\ud7ff\uffff",
    "2025-13-45T99:99:99Z",
    "-99999-01-01T00:00:00Z",
    "x" * 100_000,
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://www.w3.org/ns/credentials/v2",
    "https://unknown.example/context.json",
    "eddsa-rdfc-2022",
    "ecdsa-rdfc-2019",
    "eddsa-jcs-2022",
    "EdDSA",
    "none",
    "@id",
    "@type",
    "@list",
    "@graph",
    "@context",
]
ODD_KEYS = [
    "@id",
    "@type",
    "@list",
    "@graph",
    "@context",
    "@reverse",
    "@nest",
    "@included",
    "proof",
    "id",
    "type",
    "issuer",
    "credentialSubject",
    "verifiableCredential",
    "credentialStatus",
    "endorsement",
    "alignment",
    "evidence",
    "unknownTerm",
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return rng.choice(ODD_STRINGS)
    if roll < 0.5:
        return rng.choice([None, True, False, 0, -1, 2**70, 1e308, 0.1, "", [], {}])
    if roll < 0.75:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(ODD_KEYS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def paths_of(node: Any, prefix: tuple[Any, ...] = (), limit: int = 400) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [prefix]
    stack = [(node, prefix)]
    while stack and len(found) < limit:
        value, path = stack.pop()
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        for key, child in children:
            found.append((*path, key))
            stack.append((child, (*path, key)))
    return found


def get_at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def set_at(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    get_at(node, path[:-1])[path[-1]] = value
    return node


def alike_blank_nodes(rng: random.Random) -> Any:
    count = rng.choice([2, 8, 40, 200, 1000, 3000])
    entries = [{"@id": f"_:b{n % max(1, count // rng.choice([1, 1, 2]))}"} for n in range(count)]
    return {"@list": entries} if rng.random() < 0.5 else entries


def alike_tree(rng: random.Random) -> Any:
    node: Any = {}
    branching = rng.choice([2, 3, 5])
    for _ in range(rng.randint(2, 9)):
        node = {"type": "Alignment", "alignment": [copy.deepcopy(node) for _ in range(branching)]}
        if len(json.dumps(node)) > 400_000:
            break
    return node


def blank_graph(rng: random.Random) -> Any:
    """Blank nodes that point at each other: cycles, cliques, chains, with look-alike hashes."""
    size = rng.choice([3, 6, 10, 30, 120])
    shape = rng.choice(["cycle", "clique", "chain", "star"])
    nodes = []
    for n in range(size):
        if shape == "cycle":
            targets = [(n + 1) % size]
        elif shape == "clique":
            targets = [m for m in range(size) if m != n][:12]
        elif shape == "chain":
            targets = [n + 1] if n + 1 < size else []
        else:
            targets = [0]
        nodes.append({"@id": f"_:g{n}", "related": [{"@id": f"_:g{m}"} for m in targets]})
    return nodes


def deep(rng: random.Random, value: Any) -> Any:
    for _ in range(rng.choice([10, 40, 63, 65, 200])):
        value = [value] if rng.random() < 0.5 else {"nested": value}
    return value


def huge_array(rng: random.Random, value: Any) -> Any:
    count = rng.choice([100, 5_000, 50_000, 400_000])
    item = value if len(json.dumps(value, default=str)) < 200 else "x"
    return [item] * count


def structure_mutation(rng: random.Random, document: Any) -> Any:
    document = copy.deepcopy(document)
    paths = paths_of(document)
    path = rng.choice(paths)
    target = get_at(document, path)
    choice = rng.randrange(12)
    if choice == 0:
        return set_at(document, path, random_value(rng))
    if choice == 1 and path:
        parent = get_at(document, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, list) and parent:
            parent.pop(path[-1])
        return document
    if choice == 2:
        return set_at(document, path, alike_blank_nodes(rng))
    if choice == 3:
        return set_at(document, path, alike_tree(rng))
    if choice == 4:
        return set_at(document, path, blank_graph(rng))
    if choice == 5:
        return set_at(document, path, deep(rng, target))
    if choice == 6:
        return set_at(document, path, huge_array(rng, target))
    if choice == 7:  # a copy of another part of the document here (shared subtrees, loops of ids)
        return set_at(document, path, copy.deepcopy(get_at(document, rng.choice(paths))))
    if choice == 8 and isinstance(target, dict):
        target[rng.choice(ODD_KEYS)] = random_value(rng)
        return document
    if choice == 9 and isinstance(document, dict):
        proof = document.get("proof")
        if isinstance(proof, dict):
            proof[
                rng.choice(
                    [
                        "cryptosuite",
                        "type",
                        "verificationMethod",
                        "proofValue",
                        "proofPurpose",
                        "created",
                        "previousProof",
                    ]
                )
            ] = random_value(rng)
        return document
    if choice == 10 and isinstance(target, dict):
        target["@id"] = rng.choice(["_:b0", "_:b1", "_:x"])
        return document
    if choice == 11 and isinstance(document, dict):
        contexts = document.get("@context")
        if isinstance(contexts, list):
            contexts.insert(rng.randint(0, len(contexts)), random_value(rng))
        return document
    return set_at(document, path, random_value(rng))


def byte_mutation(rng: random.Random, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buffer:
            break
        roll = rng.random()
        index = rng.randrange(len(buffer))
        if roll < 0.4:
            buffer[index] = rng.randrange(256)
        elif roll < 0.6:
            del buffer[index : index + rng.randint(1, 64)]
        elif roll < 0.8:
            piece = buffer[index : index + rng.randint(1, 256)]
            buffer[index:index] = piece * rng.randint(1, 50)
        else:
            buffer = buffer[: rng.randint(0, len(buffer))]
    return bytes(buffer[:MAX_BYTES])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_mutation(rng: random.Random, token: str) -> str:
    parts = token.split(".")
    if len(parts) != 3:
        return token
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=="))
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "==="))
    except ValueError:
        return token
    if rng.random() < 0.4 and isinstance(header, dict):
        header[rng.choice(["alg", "kid", "jwk", "crit", "typ"])] = random_value(rng)
    else:
        payload = structure_mutation(rng, payload)
    encoded = [json.dumps(header).encode(), json.dumps(payload, default=str).encode()]
    return ".".join([*(b64url(p) for p in encoded), parts[2]])


def mutate(rng: random.Random, seed: Seed, issuer: TestIssuer) -> tuple[bytes, str]:
    """A mutated input and how it is encoded ("json", "jwt", "png", "svg")."""
    if seed.document is None or rng.random() < 0.25:
        return byte_mutation(rng, seed.data), seed.kind
    if isinstance(seed.document, str):
        token = jwt_mutation(rng, seed.document)
        if seed.kind == "png":
            return issuer.baked_png(token), "png"
        if seed.kind == "svg":
            return issuer.baked_svg(token), "svg"
        return token.encode(), "jwt"
    document = structure_mutation(rng, seed.document)
    for _ in range(rng.choice([0, 0, 1, 2])):
        document = structure_mutation(rng, document)
    text = json.dumps(document, default=str)
    if seed.kind == "png":
        return bake_png(issuer.png_image(), text, keyword="openbadgecredential"), "png"
    if seed.kind == "svg":
        return bake_svg(issuer.svg_image(), text, kind="ob3"), "svg"
    return text.encode()[:MAX_BYTES], "json"


# --- the run ---------------------------------------------------------------------------------


def internal_errors(report: Report) -> list[str]:
    found = [c.detail for c in report.checks if c.code == "internal.error"]
    for child in [*report.children, *report.endorsements]:
        found += internal_errors(child)
    return found


def save(kind: str, data: bytes, encoding: str, note: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = (
        OUT
        / f"{kind}-{digest}.{ {'jwt': 'jwt', 'png': 'png', 'svg': 'svg'}.get(encoding, 'json') }"
    )
    path.write_bytes(data)
    path.with_suffix(path.suffix + ".txt").write_text(note)
    return path


def run(seconds: float, seed: int) -> int:
    rng = random.Random(seed)  # noqa: S311 - reproducible mutations, not secrets
    issuer = TestIssuer()
    fetchers = [issuer.fetcher]
    seeds = issuer_seeds(issuer) + vector_seeds()
    folder = interop_folder()
    if folder is not None:
        fetchers.append(MapFetcher.from_url_map(folder / "url-map.json"))
        seeds += interop_seeds(folder)
    fetcher = CombinedFetcher(*fetchers)
    budget = Budget(seconds=BUDGET_SECONDS, clock=time.thread_time)
    print(f"fuzz: {len(seeds)} seeds, seed {seed}, {seconds:g} s, reproducers in {OUT}")
    OUT.mkdir(parents=True, exist_ok=True)
    current = OUT / "current-input"
    deadline = time.monotonic() + seconds
    count, unhandled, net = 0, collections.Counter(), collections.Counter()
    verdicts: collections.Counter[str] = collections.Counter()
    slowest = (0.0, b"", "json", "")
    next_note = time.monotonic() + 60
    while time.monotonic() < deadline:
        chosen = rng.choice(seeds)
        try:
            data, encoding = mutate(rng, chosen, issuer)
        except (RecursionError, ValueError, TypeError):
            continue  # the mutation made something that cannot be encoded; not an input
        current.write_bytes(data)
        options = VerifyOptions(
            now=NOW,
            fetcher=fetcher,
            recipient_identifiers=("learner@example.net",),
            budget=budget,
        )
        started = time.thread_time()
        try:
            report = verify_bytes(data, options=options)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            signature = f"{type(exc).__name__}: {str(exc)[:120]}"
            if not unhandled[signature]:
                save("unhandled", data, encoding, f"seed {chosen.name}\n{traceback.format_exc()}")
            unhandled[signature] += 1
            count += 1
            continue
        spent = time.thread_time() - started
        count += 1
        verdicts[str(report.verdict)] += 1
        for detail in internal_errors(report):
            if not net[detail]:
                save("internal-error", data, encoding, f"seed {chosen.name}\n{detail}\n")
            net[detail] += 1
        if spent > slowest[0]:
            slowest = (spent, data, encoding, chosen.name)
        if time.monotonic() > next_note:
            next_note += 60
            print(f"  {count} inputs, slowest {slowest[0]:.3f} s CPU", flush=True)
    current.unlink(missing_ok=True)
    if slowest[1]:
        path = save("slowest", slowest[1], slowest[2], f"seed {slowest[3]}\n{slowest[0]:.3f} s\n")
    print(f"inputs run: {count}")
    print(f"verdicts: {dict(verdicts.most_common())}")
    print(f"unhandled exceptions: {sum(unhandled.values())} ({len(unhandled)} distinct)")
    for signature, times in unhandled.most_common():
        print(f"  {times} x {signature}")
    print(f"safety-net hits (internal.error): {sum(net.values())} ({len(net)} distinct)")
    for detail, times in net.most_common():
        print(f"  {times} x {detail}")
    if slowest[1]:
        print(f"slowest input: {slowest[0]:.3f} s CPU ({len(slowest[1])} bytes, from {slowest[3]})")
        print(f"  saved as {path}")
    return 1 if unhandled or net else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1800.0)
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock")
    parser.add_argument("--memory-mb", type=int, default=3072, help="address space cap")
    args = parser.parse_args()
    cap = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    seed = args.seed if args.seed is not None else int(datetime.now(UTC).timestamp())
    return run(args.seconds, seed)


if __name__ == "__main__":
    sys.exit(main())
