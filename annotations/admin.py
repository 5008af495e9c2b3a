from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assignment, Claim, Label, ReviewEvent


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "shortcut", "colour", "order"]
    list_editable = ["order"]
    list_filter = ["kind"]


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = ["article", "label", "start", "end", "author", "origin", "status", "version"]
    list_filter = ["label", "origin", "status"]
    list_select_related = ["article", "label", "author"]
    raw_id_fields = ["article", "author", "source_mention", "source_claim"]
    readonly_fields = ["version", "created_at", "updated_at"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    list_display = ["article", "action", "actor", "status_before", "status_after", "created_at"]
    list_filter = ["action"]
    list_select_related = ["article", "actor"]
    raw_id_fields = ["article", "actor", "editor"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["article", "editor", "assigned_by", "created_at"]
    list_select_related = ["article", "editor", "assigned_by"]
    raw_id_fields = ["article", "editor", "assigned_by"]
