"""The two 1EdTech APIs Satchel speaks, as their specifications name them.

Open Badges 3.0 section 6 and CLR 2.0 section 6 define one REST API twice: a base path
(`/ims/ob/v3p0`, `/ims/clr/v2p0`), four scopes (section 6.2.1), a getCredentials response
whose signed-as-JWT credentials go in `compactJwsString` and the rest in `credential`
(OB 3.0 B.2.1 GetOpenBadgeCredentialsResponse; CLR 2.0 GetClrCredentialsResponse), and the
credential kind each carries (AchievementCredential; ClrCredential).
"""

from __future__ import annotations

from dataclasses import dataclass

from obapi.models import Api

OFFLINE_ACCESS = "offline_access"


@dataclass(frozen=True)
class ApiSpec:
    key: str  # Api value
    title: str
    base_path: str  # under the host's origin
    scope_base: str
    formats: frozenset[str]  # what the verifier calls the credentials this API carries

    def scope(self, name: str) -> str:
        return f"{self.scope_base}/{name}"

    @property
    def credential_readonly(self) -> str:
        return self.scope("credential.readonly")

    @property
    def credential_upsert(self) -> str:
        return self.scope("credential.upsert")

    @property
    def profile_readonly(self) -> str:
        return self.scope("profile.readonly")

    @property
    def profile_update(self) -> str:
        return self.scope("profile.update")

    @property
    def scopes(self) -> tuple[str, ...]:
        return (
            self.credential_readonly,
            self.credential_upsert,
            self.profile_readonly,
            self.profile_update,
        )


OB = ApiSpec(
    key=Api.OB,
    title="Open Badges 3.0",
    base_path="/ims/ob/v3p0",
    scope_base="https://purl.imsglobal.org/spec/ob/v3p0/scope",
    formats=frozenset({"ob3"}),
)
CLR = ApiSpec(
    key=Api.CLR,
    title="Comprehensive Learner Record 2.0",
    base_path="/ims/clr/v2p0",
    scope_base="https://purl.imsglobal.org/spec/clr/v2p0/scope",
    formats=frozenset({"clr2"}),
)
APIS = {OB.key: OB, CLR.key: CLR}

# Every scope a tool may register for and ask a learner to grant.
KNOWN_SCOPES = frozenset({*OB.scopes, *CLR.scopes, OFFLINE_ACCESS})


def api_spec(key: str) -> ApiSpec:
    return APIS[key]
