"""Read-mostly views for ops; every state change goes through the pages (the FSM fields are protected)."""

from django.contrib import admin

from .models import BottomSelection, CampaignRecord, GradingRecord, SelfCheck


@admin.register(CampaignRecord)
class CampaignRecordAdmin(admin.ModelAdmin):
    list_display = ("branch", "year", "state", "poor_count", "bottom_selected", "carried_over")
    list_filter = ("year", "state")
    search_fields = ("branch__name",)
    raw_id_fields = ("branch",)
    readonly_fields = ("state",)


@admin.register(SelfCheck)
class SelfCheckAdmin(admin.ModelAdmin):
    list_display = ("record", "month", "poor_count", "filler_name", "by_superior", "review_result", "submitted_at")
    list_filter = ("month", "by_superior")
    raw_id_fields = ("record", "filled_by", "filled_by_org", "reviewed_by")


@admin.register(BottomSelection)
class BottomSelectionAdmin(admin.ModelAdmin):
    list_display = ("org", "year", "count", "eligible", "created_at")
    raw_id_fields = ("org", "selected_by")


@admin.register(GradingRecord)
class GradingRecordAdmin(admin.ModelAdmin):
    list_display = ("org", "year", "state", "self_level", "changes", "review_level")
    list_filter = ("year", "state")
    search_fields = ("org__name",)
    raw_id_fields = ("org", "self_by", "reviewed_by")
    readonly_fields = ("state",)
