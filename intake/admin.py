from django.contrib import admin

from intake.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "status", "total", "done", "created_at"]
    raw_id_fields = ["owner"]
