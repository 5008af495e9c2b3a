"""manage.py restore FILE: put a SQLite backup made by `manage.py backup` back in place."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsroom import backup


class Command(BaseCommand):
    help = (
        "Replace the SQLite database's contents with a backup made by `manage.py backup`. "
        "Stop the web server and workers first. The current database is first copied to "
        "<database>.before-restore-<date>-<time>. For PostgreSQL use pg_restore (see README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (scripts)"
        )

    def handle(self, *args, file: Path, yes: bool, **options):
        vendor = backup.vendor()
        if vendor == "postgresql":
            raise CommandError(
                "For PostgreSQL, stop the app and run: pg_restore --clean --if-exists "
                f'--no-owner --dbname "$DATABASE_URL" {file}   (see README, "Backup and restore")'
            )
        if vendor != "sqlite":
            raise CommandError(f"no restore procedure for {vendor}")
        try:
            backup.check_sqlite_file(file)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not yes:
            answer = input(
                f"Replace everything in the database with {file}? Stop the web server and "
                "workers first. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing changed.")
        try:
            safety = backup.restore_sqlite(file)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if safety:
            self.stdout.write(f"The database as it was is saved in {safety}")
        self.stdout.write(
            f"Restored the database from {file}. Run `manage.py migrate` if the backup is "
            "older than this version of Newsroom, then start the app."
        )
