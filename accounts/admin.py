"""Admin for earners. Holder private keys are never shown, even encrypted."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.http import HttpRequest

from accounts.models import HolderKey, LtiPlatform, User


class HolderKeyInline(admin.TabularInline):
    model = HolderKey
    fields = ("did", "p256_did", "created_at", "retired_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = (HolderKeyInline,)


@admin.register(LtiPlatform)
class LtiPlatformAdmin(admin.ModelAdmin):
    """Where the operator registers an LMS (the values it gave for Satchel as a tool)."""

    list_display = ("name", "issuer", "client_id", "created_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ("name", "issuer", "client_id")
