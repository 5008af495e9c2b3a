"""The article store's pages: adding articles, accounts, API tokens."""

from django.contrib.auth import views as auth_views
from django.urls import path

from newsroom.pages import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/upload/", views.article_upload, name="article_upload"),
    path("imports/<int:job_id>/", views.import_job, name="import_job"),
    path("team/", views.team, name="team"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
