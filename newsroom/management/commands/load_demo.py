"""manage.py load_demo: load the demo article(s) shipped in data/demo (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from newsroom.importer import articles_import
from newsroom.readers import parse_jsonl

DEMO_FILE = settings.BASE_DIR / "data" / "demo" / "articles.jsonl"


class Command(BaseCommand):
    help = "Load the demo article(s); running it again adds nothing."

    def handle(self, *args, **options):
        with DEMO_FILE.open("rb") as stream:
            report = articles_import(records=parse_jsonl(stream))
        self.stdout.write(f"Demo data: {report.summary()}")
