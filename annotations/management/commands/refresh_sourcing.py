"""manage.py refresh_sourcing: recompute the per-article sourcing rows the dashboard reads."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from tqdm import tqdm

from annotations.models import ArticleSourcing
from annotations.stats import BATCH_SIZE, article_sourcing_refresh, chunked
from newsroom.models import Article


class Command(BaseCommand):
    help = (
        "Recompute the sourcing counts, score and flags per article (ArticleSourcing) from the "
        "accepted claims, here, with a progress bar. Without options: the articles that have no "
        "row yet (e.g. after upgrading); --all: every article; --article: these."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="every article")
        which.add_argument("--article", type=int, action="append", help="this article (repeatable)")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, all: bool, article: list[int] | None, no_progress: bool, **options):
        articles = Article.objects.order_by("pk")
        if article:
            articles = articles.filter(pk__in=article)
            missing = set(article) - set(articles.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, sorted(missing)))}.")
        elif not all:
            articles = articles.exclude(pk__in=ArticleSourcing.objects.values("article_id"))
        ids = list(articles.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("Every article has its sourcing row; --all recomputes them all.")
            return
        written = 0
        with tqdm(
            total=len(ids), unit="article", disable=no_progress, file=self.stderr._out
        ) as bar:
            for batch in chunked(ids, BATCH_SIZE):
                written += article_sourcing_refresh(article_ids=batch)
                # Under DEBUG Django logs every query: the batches would pile up.
                reset_queries()
                bar.update(len(batch))
        self.stdout.write(self.style.SUCCESS(f"Refreshed the sourcing of {written} article(s)."))
