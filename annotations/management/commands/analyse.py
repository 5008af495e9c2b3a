"""manage.py analyse: queue (or run here) spaCy analysis of articles, in batches."""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from django.utils import timezone
from tqdm import tqdm

from annotations.analysis import analyse_articles, analysis_request
from newsroom.models import Article


class Command(BaseCommand):
    help = (
        "Analyse articles with spaCy. Without a selection, analyses the articles never analysed "
        "or whose analysis failed. By default queues tasks for the workers (manage.py db_worker); "
        "--now runs the analysis in this process with a progress bar."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="every article")
        which.add_argument(
            "--since", type=date.fromisoformat, help="articles added on or after DATE (YYYY-MM-DD)"
        )
        which.add_argument("--article", type=int, action="append", help="this article (repeatable)")
        parser.add_argument("--now", action="store_true", help="run here instead of queueing")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(
        self,
        *args,
        all: bool,
        since: date | None,
        article: list[int] | None,
        now: bool,
        no_progress: bool,
        **options,
    ):
        articles = Article.objects.order_by("pk")
        if article:
            articles = articles.filter(pk__in=article)
            missing = set(article) - set(articles.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, sorted(missing)))}.")
        elif since:
            articles = articles.filter(
                created_at__gte=timezone.make_aware(datetime.combine(since, time.min))
            )
        elif not all:
            articles = articles.needing_analysis()
        ids = list(articles.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("Nothing to analyse.")
            return
        size = settings.ANALYSIS_BATCH_SIZE
        with tqdm(
            total=len(ids), unit="article", disable=no_progress, file=self.stderr._out
        ) as bar:
            done = failed = tasks = mentions = suggestions = 0
            for i in range(0, len(ids), size):
                batch = ids[i : i + size]
                if now:
                    report = analyse_articles(article_ids=batch)
                    # Under DEBUG Django logs every query: the batches' INSERTs would pile up.
                    reset_queries()
                    done += len(report.done)
                    failed += len(report.failed)
                    mentions += report.mentions
                    suggestions += report.suggestions
                    for pk, error in report.failed.items():
                        self.stderr.write(f"article {pk}: {error}")
                else:
                    analysis_request(article_ids=batch)
                    tasks += 1
                bar.update(len(batch))
        if now:
            style = self.style.SUCCESS if not failed else self.style.WARNING
            self.stdout.write(
                style(
                    f"Analysed {done} article(s): {mentions} entity and {suggestions} sourcing"
                    f" suggestion(s); {failed} failed."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Queued {len(ids)} article(s) in {tasks} task(s) for the workers."
                )
            )
