from django.contrib import admin

from .models import AuditLog, JobRun, Notification


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "content_type", "object_id", "action", "from_state", "to_state")
    list_filter = ("action", "content_type")
    raw_id_fields = ("actor",)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "run_date", "via", "changed", "started_at", "finished_at")


admin.site.register(Notification)
