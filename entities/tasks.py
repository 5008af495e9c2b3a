"""Background tasks (django.tasks): whichever backend settings.TASKS names runs them."""

from django.tasks import task

from .analysis import analyse_articles


@task()
def analyse(article_ids: list[int]) -> dict[str, object]:
    """Pre-tag a batch of articles with spaCy (see entities.analysis.analyse_articles)."""
    report = analyse_articles(article_ids=article_ids)
    return {
        "done": report.done,
        "failed": report.failed,
        "mentions": report.mentions,
        "suggestions": report.suggestions,
    }
