"""The JSON API's URLs (namespace "api"), mounted by the root URLconf at /api/v1/."""

from annotations.api.endpoints import urls

urlpatterns, _ninja_app_name, app_name = urls()
