from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import AdminChangeRequest, CadrePost, PasswordResetCode, Person


class CadrePostInline(admin.TabularInline):
    model = CadrePost
    raw_id_fields = ("org",)
    extra = 0


@admin.register(Person)
class PersonAdmin(UserAdmin):
    ordering = ("id_number",)
    list_display = ("name", "id_number", "branch", "is_active", "is_staff")
    search_fields = ("name", "id_number")
    list_filter = ("is_staff", "is_superuser", "is_active")
    raw_id_fields = ("branch",)
    inlines = [CadrePostInline]
    fieldsets = (
        (None, {"fields": ("id_number", "password", "must_change_password")}),
        ("个人信息", {"fields": ("name", "gender", "birth_date", "mobile", "branch", "verification_status")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"fields": ("id_number", "name", "password1", "password2")}),)


@admin.register(AdminChangeRequest)
class AdminChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("filed_by_org", "post", "action", "state", "created_at")
    raw_id_fields = ("filed_by_org", "approver", "post", "requested_by")


admin.site.register(PasswordResetCode)
