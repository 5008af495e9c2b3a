"""The root URLconf: it only includes each app's own URLs (by name, so the project package
imports none of them) and mounts the site admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("newsroom.pages.urls")),
    path("", include("annotations.urls")),
    path("api/v1/", include("annotations.api.urls")),
    path("admin/", admin.site.urls),
]

# Error pages: the templates' pages, or JSON under the API's prefix (newsroom.pages.views).
handler400 = "newsroom.pages.views.bad_request"
handler404 = "newsroom.pages.views.page_not_found"
handler500 = "newsroom.pages.views.server_error"
