from django.contrib import admin

from .models import Article, Outlet


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "status", "published_at", "created_by", "created_at"]
    list_filter = ["status", "outlet", "language"]
    search_fields = ["title"]
    list_select_related = ["outlet", "created_by"]
    raw_id_fields = ["created_by"]
    # Text is read-only: every annotation offset points into it. Articles come in through
    # the app's ingestion (paste, upload, import_articles), which validates and de-duplicates.
    readonly_fields = ["text", "content_hash", "created_at", "updated_at", "version"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
