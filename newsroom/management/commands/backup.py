"""manage.py backup: a consistent copy of the database, safe while the app is running."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsroom import backup


class Command(BaseCommand):
    help = (
        "Back up the database while the app runs. SQLite: an online-backup copy (a single "
        ".sqlite3 file); PostgreSQL: pg_dump --format=custom (restore with pg_restore). "
        "Default output: backups/newsroom-<date>-<time>.sqlite3 or .dump."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", type=Path, help="file to write")

    def handle(self, *args, output: Path | None, **options):
        vendor = backup.vendor()
        try:
            if vendor == "sqlite":
                output = output or backup.default_path(".sqlite3")
                backup.backup_sqlite(output)
            elif vendor == "postgresql":
                output = output or backup.default_path(".dump")
                backup.backup_postgresql(output)
            else:
                raise CommandError(f"no backup procedure for {vendor}")
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up the database to {output}")
