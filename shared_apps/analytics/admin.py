"""Platform console: usage."""

from django.contrib import admin

from .models import UsageDay


@admin.register(UsageDay)
class UsageDayAdmin(admin.ModelAdmin):
    list_display = ("day", "project", "api_requests", "record_writes")
    list_filter = ("day",)
    search_fields = ("project__slug",)
    date_hierarchy = "day"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
