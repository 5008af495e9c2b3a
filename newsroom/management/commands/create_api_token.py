"""manage.py create_api_token USERNAME: make an API token and print its secret once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from newsroom.accounts import api_token_create


class Command(BaseCommand):
    help = (
        "Make a token for the JSON API that acts as USERNAME (with that user's role) and print "
        "it once; only its hash is stored. Users can also make and revoke their own tokens on "
        "the API tokens page."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="what will use the token")
        parser.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help="days until the token stops working (default: until revoked)",
        )

    def handle(self, *args, username: str, name: str, expires_days: int | None, **options):
        if expires_days is not None and not 1 <= expires_days <= 3650:
            raise CommandError("--expires-days must be between 1 and 3650.")
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"{username!r} is inactive: their tokens would not authenticate.")
        try:
            expires_in = timedelta(days=expires_days) if expires_days else None
            token, secret = api_token_create(user=user, name=name, expires_in=expires_in)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            f"Token “{token.name}” for {username}. It is shown only once; revoke it on the API "
            "tokens page. Use it as: Authorization: Bearer <token>"
        )
        # The secret alone on stdout, so scripts can capture it: TOKEN=$(manage.py ...)
        self.stdout.write(secret)
