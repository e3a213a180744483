"""Demo data: a small cast of made-up issuers and a dozen credentials that show every verdict.

DEMO ONLY. Every issuer key here is derived from a seed written in this file, so anyone can
sign anything with them: nothing they sign proves anything. They exist so that `make run`
opens on a record that looks lived-in and shows what each verdict looks like.

The issuers are did:key identities (no network needed to resolve them). The one thing a
credential points at, the college's Bitstring Status List, is served by `DemoFetcher` under
`https://demo.satchel.example/` (a reserved name that never resolves). The Open Badges 2.0
badge is hosted by a library whose server does not exist, so it honestly shows "issuer
could not be reached".
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from accounts.models import User
from accounts.services import holder_key_create
from intake.services.arrival import credential_import
from wallet import verifier
from wallet.models import Credential, Source
from wallet.services import organise, reverify
from wallet.services.store import FAILED
from wallet.verification.fetch import Fetcher, FetchError, FetchResult, MapFetcher
from wallet.verification.keys import did_key_from_public_key
from wallet.verification.parse.png import bake_png
from wallet.verification.parse.svg import bake_svg
from wallet.verification.proofs.dataintegrity import sign
from wallet.verification.proofs.jose import sign_jwt

DEMO_SEED = b"satchel demo issuers - public, not a secret, never trust these keys"
DEMO_EMAIL = "demo@satchel.example"
DEMO_PASSWORD = "satchel-demo-2026"  # noqa: S105 - documented demo login, not a secret
DEMO_ORIGIN = "https://demo.satchel.example"
STATUS_LIST_URL = f"{DEMO_ORIGIN}/status/riverside-1"
REVOKED_INDEX = 1207
UNVERIFIED_EMAIL = "d.learner@harborview.example"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
CASE = "https://case.demo.satchel.example/uri"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


# --- issuers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoIssuer:
    label: str
    name: str
    url: str
    colour: tuple[int, int, int]

    @property
    def private_key(self) -> Ed25519PrivateKey:
        seed = hashlib.sha256(DEMO_SEED + b"/" + self.label.encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)

    @property
    def did(self) -> str:
        return did_key_from_public_key(self.private_key.public_key())

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"

    def profile(self) -> dict[str, Any]:
        return {"id": self.did, "type": ["Profile"], "name": self.name, "url": self.url}

    def sign(self, document: dict[str, Any], *, created: datetime) -> dict[str, Any]:
        return sign(
            document,
            private_key=self.private_key,
            verification_method=self.verification_method,
            purpose="assertionMethod",
            created=created,
        )


COLLEGE = DemoIssuer(
    "riverside", "Riverside Community College", "https://www.riverside-cc.example", (22, 94, 160)
)
BOOTCAMP = DemoIssuer(
    "northwind", "Northwind Coding Bootcamp", "https://northwind-code.example", (124, 58, 237)
)
HOSPITAL = DemoIssuer(
    "harborview", "Harbor View Hospital", "https://www.harborview-health.example", (15, 118, 110)
)
ISSUERS = (COLLEGE, BOOTCAMP, HOSPITAL)


# --- images ----------------------------------------------------------------------------------


def badge_png(initials: str, colour: tuple[int, int, int], *, size: int = 160) -> bytes:
    """A round badge with initials: drawn here so the demo needs no image files."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 4, size - 4), fill=(*colour, 255), outline=(255, 255, 255, 255))
    draw.ellipse((16, 16, size - 16, size - 16), outline=(255, 255, 255, 200), width=3)
    font = ImageFont.load_default(size=size // 3 if len(initials) <= 2 else size // 4)
    draw.text((size / 2, size / 2), initials, fill=(255, 255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def badge_svg(initials: str, colour: tuple[int, int, int]) -> bytes:
    fill = "#{:02x}{:02x}{:02x}".format(*colour)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160">'
        f'<circle cx="80" cy="80" r="76" fill="{fill}"/>'
        '<circle cx="80" cy="80" r="62" fill="none" stroke="#ffffff" stroke-width="3"/>'
        '<text x="80" y="96" font-family="sans-serif" font-size="46" font-weight="bold" '
        f'fill="#ffffff" text-anchor="middle">{initials}</text></svg>'
    ).encode()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


# --- credential bodies ----------------------------------------------------------------------


def _alignment(code: str, name: str, framework: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": f"{CASE}/{code.lower()}",
        "targetCode": code,
        "targetFramework": framework,
        "targetType": "CFItem",
    }


def _identifier(email: str, *, hashed: bool) -> dict[str, Any]:
    if not hashed:
        return {
            "type": "IdentityObject",
            "identityHash": email,
            "identityType": "emailAddress",
            "hashed": False,
        }
    salt = "demo-salt"
    digest = hashlib.sha256((email + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


@dataclass(frozen=True)
class Achievement:
    slug: str
    name: str
    achievement_type: str
    description: str
    criteria: str
    initials: str
    alignments: tuple[dict[str, Any], ...] = ()
    grade: str = ""


def ob3_body(
    issuer: DemoIssuer,
    achievement: Achievement,
    *,
    issued: datetime,
    valid_until: datetime | None = None,
    email: str = DEMO_EMAIL,
    hashed: bool = True,
    evidence: list[dict[str, Any]] | None = None,
    status_index: int | None = None,
    image: bool = True,
) -> dict[str, Any]:
    """An unsigned OB 3.0 AchievementCredential for the demo earner."""
    achievement_id = f"{issuer.url}/achievements/{achievement.slug}"
    body: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "name": achievement.name,
        "achievementType": achievement.achievement_type,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria},
    }
    if image:
        body["image"] = {
            "id": _data_uri(badge_png(achievement.initials, issuer.colour, size=128)),
            "type": "Image",
        }
    if achievement.alignments:
        body["alignment"] = list(achievement.alignments)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [_identifier(email, hashed=hashed)],
        "achievement": body,
    }
    if achievement.grade:
        grade_id = f"{achievement_id}#grade"
        body["resultDescription"] = [
            {
                "id": grade_id,
                "type": ["ResultDescription"],
                "name": "Final grade",
                "resultType": "LetterGrade",
            }
        ]
        subject["result"] = [
            {"type": ["Result"], "resultDescription": grade_id, "value": achievement.grade}
        ]
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_CONTEXT],
        "id": f"urn:uuid:{_uuid(issuer.label, achievement.slug)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.profile(),
        "name": achievement.name,
        "validFrom": _stamp(issued),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = _stamp(valid_until)
    if evidence:
        credential["evidence"] = evidence
    if status_index is not None:
        credential["credentialStatus"] = {
            "id": f"{STATUS_LIST_URL}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": STATUS_LIST_URL,
        }
    return credential


def _uuid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


# --- what the demo issuers serve -------------------------------------------------------------


def status_list(*, revoked: bool, issued: datetime) -> dict[str, Any]:
    """The college's revocation list, signed; `revoked` sets the Data Structures entry."""
    bits = bytearray(131_072 // 8)
    if revoked:
        bits[REVOKED_INDEX // 8] |= 0x80 >> (REVOKED_INDEX % 8)
    encoded = (
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()
    )
    document = {
        "@context": [VC_V2],
        "id": STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": COLLEGE.did,
        "validFrom": _stamp(issued),
        "credentialSubject": {
            "id": f"{STATUS_LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return COLLEGE.sign(document, created=issued)


class DemoFetcher:
    """Serves the demo issuers' resources; everything else goes to `fallback`.

    Without a fallback, any other address is unreachable (the seed never touches the network).
    """

    def __init__(self, *, fallback: Fetcher | None = None, revoked: bool = True) -> None:
        self._map = MapFetcher(
            {STATUS_LIST_URL: json.dumps(status_list(revoked=revoked, issued=_day(2024, 1, 15)))}
        )
        self._fallback = fallback

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        if url.startswith(DEMO_ORIGIN + "/"):
            return self._map.fetch(url, accept=accept)
        if self._fallback is None:
            raise FetchError(f"demo data does not reach {url}")
        return self._fallback.fetch(url, accept=accept)


# --- the dozen credentials -------------------------------------------------------------------

CS = "Riverside IT Program Outcomes"
NICE = "NICE Workforce Framework (demo excerpt)"
WEB = "Northwind Web Developer Competencies"
HEALTH = "Harbor View Clinical Competencies"

INTRO_PROGRAMMING = Achievement(
    "cis-110",
    "Introduction to Programming (CIS 110)",
    "Course",
    "Variables, control flow, functions and testing in **Python**, over 15 weeks.",
    "Passed every lab and the final project with a grade of C or better.",
    "110",
    (
        _alignment("IT-PO-1", "Write, test and debug programs", CS),
        _alignment("K0016", "Knowledge of computer programming principles", NICE),
    ),
    grade="A",
)
DATA_STRUCTURES = Achievement(
    "cis-210",
    "Data Structures (CIS 210)",
    "Course",
    "Lists, trees, hash tables and graphs, and how to choose between them.",
    "Completed the course with a passing grade.",
    "210",
    (_alignment("IT-PO-2", "Choose and implement data structures", CS),),
    grade="B+",
)
NETWORKING = Achievement(
    "cis-150",
    "Networking Fundamentals (CIS 150)",
    "Course",
    "TCP/IP, routing, DNS and network troubleshooting.",
    "Passed the labs and the final exam.",
    "150",
    (_alignment("K0221", "Knowledge of the OSI model and network protocols", NICE),),
    grade="A-",
)
DATABASES = Achievement(
    "cis-240",
    "Database Design (CIS 240)",
    "Course",
    "Relational modelling, SQL and normalisation.",
    "Designed and built a working database for a real client.",
    "240",
    (_alignment("IT-PO-3", "Design and query relational databases", CS),),
    grade="A",
)
WRITING = Achievement(
    "eng-215",
    "Technical Writing (ENG 215)",
    "Course",
    "Writing documentation, reports and proposals for technical audiences.",
    "Submitted a portfolio of four technical documents.",
    "215",
    (_alignment("IT-PO-5", "Communicate technical information clearly", CS),),
    grade="B",
)
ASSOCIATE = Achievement(
    "aas-it",
    "Associate of Applied Science in Information Technology",
    "AssociateDegree",
    "A two-year degree in software, networks and databases.\n\n"
    "Graduates can build, run and support the systems a small organisation depends on.",
    "Completed 60 credit hours, including the core IT sequence, with a GPA of 2.0 or above.",
    "AAS",
    (
        _alignment("IT-PO-1", "Write, test and debug programs", CS),
        _alignment("IT-PO-3", "Design and query relational databases", CS),
        _alignment("IT-PO-5", "Communicate technical information clearly", CS),
    ),
)
FULL_STACK = Achievement(
    "full-stack",
    "Full-Stack Web Developer",
    "Certificate",
    "A 16-week, full-time programme building and deploying web applications.",
    "Shipped three projects, including a team capstone reviewed by industry mentors.",
    "FS",
    (
        _alignment("WEB-1", "Build accessible front ends", WEB),
        _alignment("WEB-2", "Build and test HTTP APIs", WEB),
        _alignment("K0016", "Knowledge of computer programming principles", NICE),
    ),
)
JAVASCRIPT = Achievement(
    "javascript",
    "JavaScript Fundamentals",
    "Badge",
    "Modern JavaScript: modules, promises, the DOM and testing.",
    "Passed the timed coding assessment.",
    "JS",
    (_alignment("WEB-3", "Write modern JavaScript", WEB),),
)
ACCESSIBILITY = Achievement(
    "a11y",
    "Accessibility Champion",
    "Badge",
    "Awarded to learners who audit and fix a real site against WCAG 2.2 AA.",
    "Audited a partner charity's website and fixed every critical issue found.",
    "A11Y",
    (_alignment("WEB-1", "Build accessible front ends", WEB),),
)
CLOUD = Achievement(
    "cloud",
    "Cloud Deployment",
    "Badge",
    "Containers, continuous delivery and infrastructure as code.",
    "Deploy the capstone to a cloud platform with an automated pipeline.",
    "CD",
    (_alignment("WEB-4", "Deploy and operate web applications", WEB),),
)
BLS = Achievement(
    "bls",
    "Basic Life Support (BLS)",
    "License",
    "Adult, child and infant CPR, AED use and choking relief.",
    "Passed the hands-on skills test and the written exam.",
    "BLS",
    (_alignment("HV-CC-1", "Provide basic life support", HEALTH),),
)
INFORMATICS = Achievement(
    "informatics",
    "Health Informatics Onboarding",
    "Certificate",
    "How patient records, orders and results flow through the hospital's systems.",
    "Completed the onboarding modules during the first month of employment.",
    "HI",
    (_alignment("HV-CC-7", "Use clinical information systems safely", HEALTH),),
)
PRIVACY = Achievement(
    "privacy",
    "Patient Data Privacy Training",
    "Certificate",
    "Handling protected health information: access, disclosure and incident reporting.",
    "Passed the annual privacy assessment.",
    "PDP",
    (_alignment("HV-CC-8", "Protect patient information", HEALTH),),
)


@dataclass(frozen=True)
class DemoFile:
    """One file as the demo earner would have received it."""

    filename: str
    data: bytes
    media_type: str
    expected_verdict: str


def _json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _signed(issuer: DemoIssuer, achievement: Achievement, issued: datetime, **kw: Any) -> dict:
    return issuer.sign(ob3_body(issuer, achievement, issued=issued, **kw), created=issued)


def _transcript() -> dict[str, Any]:
    inner = [
        _signed(COLLEGE, NETWORKING, _day(2020, 5, 20)),
        _signed(COLLEGE, DATABASES, _day(2020, 12, 18)),
        _signed(COLLEGE, WRITING, _day(2021, 5, 14)),
    ]
    issued = _day(2021, 6, 1)
    clr = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{_uuid('riverside', 'transcript')}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": COLLEGE.profile(),
        "name": "Riverside Community College Transcript",
        "description": "Courses completed at Riverside Community College, 2020 to 2021.",
        "validFrom": _stamp(issued),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": [_identifier(DEMO_EMAIL, hashed=True)],
            "verifiableCredential": inner,
        },
    }
    return COLLEGE.sign(clr, created=issued)


def _jwt(issuer: DemoIssuer, achievement: Achievement, issued: datetime) -> str:
    credential = ob3_body(
        issuer,
        achievement,
        issued=issued,
        evidence=[
            {
                "id": "https://northwind-code.example/showcase/2022/team-7",
                "type": ["Evidence"],
                "name": "Capstone: a volunteer scheduling app",
                "narrative": "Built with a team of four; *demo day* recording and code review.",
            }
        ],
    )
    payload = dict(credential)
    payload |= {"iss": issuer.did, "jti": credential["id"], "nbf": int(issued.timestamp())}
    return sign_jwt(payload, private_key=issuer.private_key, kid=issuer.verification_method)


def _tampered() -> dict[str, Any]:
    signed = _signed(HOSPITAL, PRIVACY, _day(2024, 6, 3))
    forged = copy.deepcopy(signed)
    # Edited after signing: the proof no longer matches, which is the point of this example.
    forged["credentialSubject"]["achievement"]["name"] = "Patient Data Privacy Officer"
    forged["name"] = "Patient Data Privacy Officer"
    return forged


def _ob2_hosted() -> dict[str, Any]:
    base = "https://badges.lakeside-library.example"
    return {
        "@context": OB2_CONTEXT,
        "id": f"{base}/assertions/7f3c21",
        "type": "Assertion",
        "recipient": {"type": "email", "hashed": False, "identity": DEMO_EMAIL},
        "issuedOn": "2018-04-21T10:00:00Z",
        "verification": {"type": "hosted"},
        "badge": {
            "id": f"{base}/badges/volunteer",
            "type": "BadgeClass",
            "name": "Community Volunteer",
            "description": "Thanks for helping run the library's coding club for teens.",
            "image": f"{base}/badges/volunteer.png",
            "criteria": {"narrative": "Volunteer for at least 40 hours in a year."},
            "issuer": {
                "id": f"{base}/issuer",
                "type": "Issuer",
                "name": "Lakeside Public Library",
                "url": "https://lakeside-library.example",
            },
        },
    }


def demo_files() -> list[DemoFile]:
    """The demo earner's files, oldest first, each with the verdict it should get."""
    bootcamp_png = badge_png(JAVASCRIPT.initials, BOOTCAMP.colour)
    javascript = _signed(BOOTCAMP, JAVASCRIPT, _day(2022, 6, 10), image=False)
    a11y = _signed(BOOTCAMP, ACCESSIBILITY, _day(2023, 2, 24), image=False)
    return [
        DemoFile(
            "community-volunteer.json",
            _json_bytes(_ob2_hosted()),
            "application/json",
            "issuer_unreachable",
        ),
        DemoFile(
            "cis-110.json",
            _json_bytes(_signed(COLLEGE, INTRO_PROGRAMMING, _day(2019, 12, 16))),
            "application/json",
            "verified",
        ),
        DemoFile(
            "cis-210.json",
            _json_bytes(
                _signed(COLLEGE, DATA_STRUCTURES, _day(2020, 5, 22), status_index=REVOKED_INDEX)
            ),
            "application/json",
            "revoked",
        ),
        DemoFile("transcript.json", _json_bytes(_transcript()), "application/json", "verified"),
        DemoFile(
            "associate-degree.json",
            _json_bytes(_signed(COLLEGE, ASSOCIATE, _day(2021, 6, 12))),
            "application/json",
            "verified",
        ),
        DemoFile(
            "javascript-fundamentals.png",
            bake_png(bootcamp_png, json.dumps(javascript), keyword="openbadgecredential"),
            "image/png",
            "verified",
        ),
        DemoFile(
            "full-stack-web-developer.jwt",
            _jwt(BOOTCAMP, FULL_STACK, _day(2022, 9, 30)).encode(),
            "application/vc+jwt",
            "verified",
        ),
        DemoFile(
            "accessibility-champion.svg",
            bake_svg(
                badge_svg(ACCESSIBILITY.initials, BOOTCAMP.colour), json.dumps(a11y), kind="ob3"
            ),
            "image/svg+xml",
            "verified",
        ),
        DemoFile(
            "basic-life-support.json",
            _json_bytes(_signed(HOSPITAL, BLS, _day(2023, 3, 6), valid_until=_day(2025, 3, 6))),
            "application/json",
            "expired",
        ),
        DemoFile(
            "health-informatics.json",
            _json_bytes(
                _signed(
                    HOSPITAL, INFORMATICS, _day(2024, 1, 22), email=UNVERIFIED_EMAIL, hashed=False
                )
            ),
            "application/json",
            "verified_with_warnings",
        ),
        DemoFile(
            "patient-data-privacy.json",
            _json_bytes(_tampered()),
            "application/json",
            "invalid_signature",
        ),
        DemoFile(
            "cloud-deployment.json",
            _json_bytes(_signed(BOOTCAMP, CLOUD, _day(2031, 9, 1))),
            "application/json",
            "not_yet_valid",
        ),
    ]


# --- seeding ---------------------------------------------------------------------------------

DEMO_TAGS = {
    "cis-110.json": ("IT",),
    "transcript.json": ("IT", "Transcripts"),
    "associate-degree.json": ("IT",),
    "javascript-fundamentals.png": ("IT", "Web"),
    "full-stack-web-developer.jwt": ("IT", "Web"),
    "accessibility-champion.svg": ("Web",),
    "basic-life-support.json": ("Healthcare",),
    "health-informatics.json": ("Healthcare",),
}
DEMO_COLLECTION = "Application: Harbor View IT analyst"
DEMO_COLLECTION_FILES = (
    "associate-degree.json",
    "full-stack-web-developer.jwt",
    "health-informatics.json",
)
REVOKED_FILE = "cis-210.json"


@dataclass
class SeedResult:
    user: User
    created_user: bool
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def seed_demo(*, now: datetime | None = None) -> SeedResult:
    """Create the demo earner and import the demo files through the real import service.

    Idempotent: a file already in the earner's record (even in the trash) is not imported
    again, and nothing else is written for it.
    """
    now = now or timezone.now()
    user, created = _demo_user()
    result = SeedResult(user=user, created_user=created)
    held = set(
        Credential.objects.filter(owner=user, parent__isnull=True).values_list("sha256", flat=True)
    )
    imported: dict[str, Credential] = {}
    for demo_file in demo_files():
        if hashlib.sha256(demo_file.data).hexdigest() in held:
            result.skipped.append(demo_file.filename)
            continue
        credential = _import(user, demo_file, now)
        if credential is None:
            result.failed.append(demo_file.filename)
            continue
        imported[demo_file.filename] = credential
        result.imported.append(demo_file.filename)
    _organise(user, imported, now)
    return result


def _demo_user() -> tuple[User, bool]:
    with transaction.atomic():
        user = User.objects.filter(email=DEMO_EMAIL).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(
                email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="Dana Learner"
            )
        address = EmailAddress.objects.filter(user=user, email__iexact=DEMO_EMAIL).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=DEMO_EMAIL, verified=True, primary=True)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
    holder_key_create(user=user)
    return user, created


def _import(user: User, demo_file: DemoFile, now: datetime) -> Credential | None:
    revoked_later = demo_file.filename == REVOKED_FILE
    # The revoked course verified when it arrived; the college withdrew it later, and the
    # next check found out (which leaves a notice on the record, as it would for real).
    arrived = now - timedelta(days=1) if revoked_later else now
    options = verifier.make_verify_options(
        owner=user, now=arrived, fetcher=DemoFetcher(revoked=not revoked_later)
    )
    outcome = credential_import(
        owner=user,
        data=demo_file.data,
        source=Source.DEMO,
        filename=demo_file.filename,
        media_type=demo_file.media_type,
        now=arrived,
        options=options,
    )
    if outcome.status == FAILED or outcome.credential is None:
        return None
    if revoked_later:
        reverify.credential_reverify(
            credential=outcome.credential,
            now=now,
            options=verifier.make_verify_options(owner=user, now=now, fetcher=DemoFetcher()),
            trigger="scheduled",
        )
    return outcome.credential


def _organise(user: User, imported: dict[str, Credential], now: datetime) -> None:
    for filename, credential in imported.items():
        for name in DEMO_TAGS.get(filename, ()):
            organise.credential_tag(
                credential=credential, tag=organise.tag_create(owner=user, name=name, now=now)
            )
    chosen = [imported[f] for f in DEMO_COLLECTION_FILES if f in imported]
    if not chosen:
        return
    collection = user.collections.filter(name=DEMO_COLLECTION).first()
    if collection is None:
        collection = organise.collection_create(
            owner=user,
            name=DEMO_COLLECTION,
            description="What I would send with an application for the hospital's IT team.",
            now=now,
        )
    for credential in chosen:
        organise.collection_add(collection=collection, credential=credential)
