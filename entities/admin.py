from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EntityMention


@admin.register(EntityMention)
class EntityMentionAdmin(SimpleHistoryAdmin):
    list_display = [
        "article",
        "label",
        "start",
        "end",
        "origin",
        "status",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["label", "origin", "status"]
    list_select_related = ["article", "updated_by"]
    raw_id_fields = ["article", "created_by", "updated_by"]
    readonly_fields = ["model_name", "model_version", "created_at", "updated_at"]
    search_fields = ["article__title"]
