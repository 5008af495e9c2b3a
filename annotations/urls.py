"""The annotation pages: the article list, the annotate page and its htmx actions (claims,
suggestions, entities, review), the queue, the dashboard, export and labels."""

from django.urls import path

from annotations.pages import (
    article_views,
    claim_views,
    dashboard_views,
    entity_views,
    export_views,
    review_views,
    source_views,
)

article = "articles/<int:pk>/"

urlpatterns = [
    path("articles/", article_views.article_list, name="article_list"),
    path(article, article_views.article_detail, name="article_detail"),
    path(f"{article}analysis/", entity_views.analysis_status, name="analysis_status"),
    path(f"{article}analyse/", entity_views.reanalyse, name="reanalyse"),
    path(f"{article}entities/", entity_views.mention_create, name="mention_create"),
    path(
        f"{article}entities/<int:mention_id>/", entity_views.mention_detail, name="mention_detail"
    ),
    path(
        f"{article}entities/<int:mention_id>/update/",
        entity_views.mention_update,
        name="mention_update",
    ),
    path(f"{article}claims/", claim_views.claim_new, name="claim_new"),
    path(f"{article}claims/<int:claim_id>/", claim_views.claim_detail, name="claim_detail"),
    path(f"{article}claims/<int:claim_id>/edit/", claim_views.claim_edit, name="claim_edit"),
    path(f"{article}claims/<int:claim_id>/delete/", claim_views.claim_remove, name="claim_remove"),
    path(f"{article}claims/<int:claim_id>/undo/", claim_views.claim_revert, name="claim_undo"),
    path(
        f"{article}claims/<int:claim_id>/review/",
        claim_views.suggestion_review,
        name="suggestion_review",
    ),
    path(
        f"{article}suggestions/accept/",
        claim_views.suggestions_accept,
        name="suggestions_accept",
    ),
    path(f"{article}sources/", source_views.article_sources, name="article_sources"),
    path(f"{article}sources/merge/", source_views.sources_merge, name="sources_merge"),
    path(f"{article}rejected/", source_views.article_rejected, name="article_rejected"),
    path(f"{article}sources/split/", source_views.sources_split, name="sources_split"),
    path(f"{article}review/", review_views.review_step, name="review_step"),
    path(f"{article}comments/", review_views.review_comment, name="review_comment"),
    path(f"{article}assign/", review_views.review_assign, name="review_assign"),
    path(f"{article}history/", review_views.article_history, name="article_history"),
    path(f"{article}merge/", review_views.article_merge, name="article_merge"),
    path("queue/", review_views.review_queue, name="review_queue"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/articles/", dashboard_views.dashboard_articles, name="dashboard_articles"),
    path("export/", export_views.corpus_export, name="corpus_export"),
    path(
        "export/label-studio-config.xml",
        export_views.label_studio_config,
        name="label_studio_config",
    ),
    path("import/", export_views.corpus_upload, name="corpus_import"),
    path("labels/", claim_views.label_list, name="label_list"),
    path("labels/new/", claim_views.label_edit, name="label_new"),
    path("labels/<int:label_id>/", claim_views.label_edit, name="label_edit"),
    path("labels.css", claim_views.label_css, name="label_css"),
]
