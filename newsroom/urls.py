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
