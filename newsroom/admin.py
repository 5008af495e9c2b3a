from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .accounts import api_token_revoke
from .models import ApiToken, Article, Outlet
from .search import search_documents_queue


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new title empties the article's search document (migration 0011's trigger):
        # build it again, or the article would drop out of search.
        if "title" in form.changed_data:
            search_documents_queue()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators see every API token and revoke a leaked one; secrets are never stored here."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["secret_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # Tokens are made by their user (API tokens page) or `manage.py create_api_token`,
        # the only places that can show the secret once.
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
        messages.success(request, "Revoked: those tokens no longer authenticate.")


User = get_user_model()
# What makes an account more than its role: only a superuser may grant or take these.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


admin.site.unregister(User)


@admin.register(User)
class LeastPrivilegeUserAdmin(UserAdmin):
    """Django's user admin, where only a superuser changes privileges.

    An app admin (the admin role, made on the Team page) manages people there; in the site
    admin they may edit names and addresses and deactivate editors, but not make anyone
    (themselves included) staff or superuser, change groups or permissions, or touch a
    superuser's account at all (its password included): otherwise an admin could raise
    themselves to superuser.
    """

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, *PRIVILEGE_FIELDS)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
