from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Claim, Label


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
