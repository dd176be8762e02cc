from django.contrib import admin
from mptt.admin import MPTTModelAdmin

from .models import AdminRegistrationCode, Organization


@admin.register(Organization)
class OrganizationAdmin(MPTTModelAdmin):
    list_display = ("name", "category", "leadership_level", "industry", "sort_order")
    list_filter = ("category", "leadership_level")
    search_fields = ("name", "full_name")
    # moving an org is not a feature: the forest's bounds are kept by creation and deletion only
    readonly_fields = ("parent",)


@admin.register(AdminRegistrationCode)
class AdminRegistrationCodeAdmin(admin.ModelAdmin):
    list_display = ("org", "code", "expires_at", "used_at", "expired")
    raw_id_fields = ("org", "created_by", "used_by")
