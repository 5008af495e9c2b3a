"""manage.py ensure_admin: create the first admin account and print its password once."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from newsroom.accounts import generate_password
from newsroom.roles import ADMIN


class Command(BaseCommand):
    help = (
        "Create a superuser in the admin role with a random password, printed once. "
        "Does nothing if the user exists (use `manage.py changepassword` to reset it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="where to log in")

    def handle(self, *args, username: str, url: str, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Admin account '{username}' already exists (its password was printed when it was "
                f"created; reset it with: manage.py changepassword {username})."
            )
            return
        password = generate_password()
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(*Group.objects.filter(name=ADMIN))
        bar = "=" * 64
        self.stdout.write(
            f"\n{bar}\n  Admin account created. Log in at {url}\n"
            f"    username: {username}\n    password: {password}\n"
            f"  This password is shown only once: write it down.\n{bar}\n"
        )
