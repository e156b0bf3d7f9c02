"""Print the current TOTP code of a demo account, for demonstrations without an authenticator app."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twotier.accounts.models import User
from twotier.accounts.policies import TOTP_INTERVAL_SECONDS
from twotier.accounts.services import totp_begin_enrolment, totp_current_code
from twotier.org.models import PostAssignment

DEMO_PREFIX = "demo"


def is_demo_account(user: User) -> bool:
    """Whether `user` is demo data: a `demo…` username or a post in a demo unit."""
    if user.username.startswith(DEMO_PREFIX):
        return True
    return PostAssignment.objects.filter(user=user, post__unit__is_demo=True).exists()


class Command(BaseCommand):
    """`manage.py demo_totp USERNAME [--force]`."""

    help = (
        "Print the current two-step verification code of a demo account (username starting with "
        f"'{DEMO_PREFIX}' or a post in demo data; --force for any account). Starts the enrolment when "
        "the account has none yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """USERNAME and --force."""
        parser.add_argument("username")
        parser.add_argument(
            "--force", action="store_true", help="Allow accounts whose username does not start with 'demo'."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the code and how long it stays valid."""
        username: str = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        if not options["force"] and not is_demo_account(user):
            raise CommandError(
                f"Only demo accounts (username starting with '{DEMO_PREFIX}', or holding a post in demo "
                "data); use --force."
            )
        secret = user.totp_secret or totp_begin_enrolment(user=user).secret
        code = totp_current_code(secret)
        remaining = TOTP_INTERVAL_SECONDS - int(time.time()) % TOTP_INTERVAL_SECONDS
        self.stdout.write(code)
        state = "enrolled" if user.totp_confirmed_at else "pending enrolment (enter it on the set-up page)"
        self.stderr.write(f"{username}: {state}; valid for {remaining} more seconds.")
