from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations import export_views, review_views
from annotations import views as claim_views
from entities import views as entity_views

from . import api, throttle, views

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="article_list"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/upload/", views.article_upload, name="article_upload"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/analysis/", entity_views.analysis_status, name="analysis_status"),
    path("articles/<int:pk>/analyse/", entity_views.reanalyse, name="reanalyse"),
    path("articles/<int:pk>/entities/", entity_views.mention_create, name="mention_create"),
    path(
        "articles/<int:pk>/entities/<int:mention_id>/",
        entity_views.mention_detail,
        name="mention_detail",
    ),
    path(
        "articles/<int:pk>/entities/<int:mention_id>/update/",
        entity_views.mention_update,
        name="mention_update",
    ),
    path("articles/<int:pk>/claims/", claim_views.claim_new, name="claim_new"),
    path("articles/<int:pk>/claims/<int:claim_id>/", claim_views.claim_detail, name="claim_detail"),
    path(
        "articles/<int:pk>/claims/<int:claim_id>/edit/", claim_views.claim_edit, name="claim_edit"
    ),
    path(
        "articles/<int:pk>/claims/<int:claim_id>/delete/",
        claim_views.claim_remove,
        name="claim_remove",
    ),
    path(
        "articles/<int:pk>/claims/<int:claim_id>/review/",
        claim_views.suggestion_review,
        name="suggestion_review",
    ),
    path(
        "articles/<int:pk>/suggestions/accept/",
        claim_views.suggestions_accept,
        name="suggestions_accept",
    ),
    path("articles/<int:pk>/review/", review_views.review_step, name="review_step"),
    path("articles/<int:pk>/comments/", review_views.review_comment, name="review_comment"),
    path("articles/<int:pk>/assign/", review_views.review_assign, name="review_assign"),
    path("articles/<int:pk>/history/", review_views.article_history, name="article_history"),
    path("articles/<int:pk>/merge/", review_views.article_merge, name="article_merge"),
    path("queue/", review_views.review_queue, name="review_queue"),
    path("dashboard/", include("annotations.dashboard_views")),
    path("export/", export_views.corpus_export, name="corpus_export"),
    path("import/", export_views.corpus_upload, name="corpus_import"),
    path("labels/", claim_views.label_list, name="label_list"),
    path("labels/new/", claim_views.label_edit, name="label_new"),
    path("labels/<int:label_id>/", claim_views.label_edit, name="label_edit"),
    path("labels.css", claim_views.label_css, name="label_css"),
    path("team/", views.team, name="team"),
    path("accounts/login/", throttle.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("api/v1/", api.urls()),
    path("admin/", admin.site.urls),
]
