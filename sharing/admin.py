from django.contrib import admin

from sharing.models import ShareItem, ShareLink, ShareView


class ShareItemInline(admin.TabularInline):
    model = ShareItem
    raw_id_fields = ["credential"]
    extra = 0


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "audience", "created_at", "expires_at", "revoked_at"]
    list_filter = ["follow_collection"]
    search_fields = ["audience", "owner__email"]
    raw_id_fields = ["owner", "collection"]
    # The token is a secret of the earner's: neither its hash nor its ciphertext is shown.
    exclude = ["token_hash", "token_encrypted", "challenge"]
    readonly_fields = ["view_count", "last_viewed_at", "created_at", "updated_at"]
    inlines = [ShareItemInline]


@admin.register(ShareView)
class ShareViewAdmin(admin.ModelAdmin):
    list_display = ["id", "share", "kind", "browser", "os", "viewed_at"]
    list_filter = ["kind", "browser", "os"]
    raw_id_fields = ["share"]
