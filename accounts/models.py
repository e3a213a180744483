"""The earner: an email-identified user (no usernames)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    # No usernames: Django's documented way to drop AbstractUser's field, which the stubs
    # cannot express.
    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        max_length=120, blank=True, help_text=gettext_lazy("How you are named on pages you share.")
    )
    # Empty: follow the browser. Otherwise one of settings.LANGUAGES.
    language = models.CharField(max_length=8, blank=True, default="", db_default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Email first where AbstractUser's manager takes a username first: not a subtype of it.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email


class HolderKey(models.Model):
    """An Ed25519 key pair the earner signs presentations with, named by its did:key, and its
    P-256 companion, which binds and presents SD-JWT VCs for issuers and verifiers that take
    only ES256 (docs/decisions/0016).

    Rotation retires a key (both halves) instead of deleting it, so the DIDs of presentations
    signed before stay listed on the account page.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="holder_keys")
    did = models.CharField(max_length=100, unique=True)
    public_key_multibase = models.CharField(max_length=60)
    # Fernet ciphertext of the 32-byte private key (see accounts.crypto); never the raw key.
    private_key_encrypted = models.TextField()
    # The P-256 key's did:key (`zDn…`) and the Fernet ciphertext of its 32-byte private
    # scalar. Empty for a key made before P-256 keys existed until one is first needed
    # (`accounts.services.holder_p256_key`); a retired key made before stays without one.
    p256_did = models.CharField(max_length=100, blank=True, default="")
    p256_private_key_encrypted = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(retired_at__isnull=True),
                name="holderkey_one_current_per_user",
            )
        ]

    def __str__(self) -> str:
        return self.did

    @property
    def is_current(self) -> bool:
        return self.retired_at is None


class LtiPlatform(models.Model):
    """An LMS registered to launch Satchel as an LTI 1.3 tool: the values the platform gave
    for this tool, typed in the admin or brought by LTI Dynamic Registration (confirmed by
    the operator). A launch from anything not registered here is refused."""

    name = models.CharField(max_length=200)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=200)
    auth_login_url = models.URLField(max_length=2000)
    # The platform's OAuth 2.0 token endpoint (LTI Advantage services): kept when the platform
    # registered Satchel by Dynamic Registration; launches do not need it.
    auth_token_url = models.URLField(max_length=2000, blank=True)
    jwks_url = models.URLField(max_length=2000)
    deployment_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_platform_unique")
        ]

    def __str__(self) -> str:
        return self.name


class LtiLogin(models.Model):
    """One OIDC login this tool started for a platform: its state and nonce, bound to the
    browser that started it (a hash of a cookie), used at most once."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE)
    state = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64)
    browser = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.state


class LtiAccount(models.Model):
    """A learner's account on a platform (its `sub`), linked to their Satchel account with
    their consent on their first launch."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="accounts")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="lti_accounts")
    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "sub"], name="lti_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sub} at {self.platform}"


class LtiToolKey(models.Model):
    """The RSA key this tool signs deep-linking responses with (its public half at the tool's
    JWKS address). Fernet ciphertext of the PEM private key (accounts.crypto); never raw."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_encrypted = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.kid
