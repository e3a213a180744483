from django.contrib import admin

from wallet.models import AuditEvent, Credential, VerificationRun


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "title", "issuer_name", "format", "verdict", "deleted_at"]
    list_filter = ["format", "verdict", "source"]
    search_fields = ["title", "issuer_name", "owner__email"]
    # The original bytes are never edited; everything else is derived from them.
    exclude = ["original"]
    readonly_fields = [f.name for f in Credential._meta.fields if f.name != "original"]
    raw_id_fields = ["owner", "parent"]


@admin.register(VerificationRun)
class VerificationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "credential", "verdict", "trigger", "checked_at"]
    list_filter = ["verdict", "trigger"]
    raw_id_fields = ["credential"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "action", "target_type", "target_id", "created_at"]
    list_filter = ["action"]
    raw_id_fields = ["user"]
