"""`manage.py deliver_outbox [--loop]`: deliver the transactional outbox (the national portal's messages and any
other registered topic family)."""

from __future__ import annotations

import json
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twotier.core.outbox_delivery import DeliveryStats, deliver_for, deliver_until_idle


class Command(BaseCommand):
    help = "Deliver due outbox messages: once until idle, or with --loop until stopped (SIGTERM/Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        """--loop, --batch, --poll, --max-seconds."""
        parser.add_argument("--loop", action="store_true", help="keep delivering until stopped")
        parser.add_argument("--batch", type=int, default=None, help="messages claimed per round (TWOTIER_OUTBOX_BATCH)")
        parser.add_argument(
            "--poll", type=float, default=None, help="seconds to wait when idle (TWOTIER_OUTBOX_POLL_SECONDS)"
        )
        parser.add_argument("--max-seconds", type=float, default=None, help="with --loop: stop after this long")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the worker; print what it did as JSON."""
        if options["batch"] is not None and options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if not options["loop"]:
            stats = deliver_until_idle(batch=options["batch"])
            self.stdout.write(json.dumps(stats.as_dict()))
            return
        stopping = {"now": False}

        def _stop(signum: int, frame: FrameType | None) -> None:
            stopping["now"] = True

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}

        def _round(stats: DeliveryStats) -> None:
            self.stdout.write(json.dumps(stats.as_dict()))
            self.stdout.flush()

        try:
            total = deliver_for(
                seconds=options["max_seconds"],
                poll_seconds=options["poll"],
                batch=options["batch"],
                should_stop=lambda: stopping["now"],
                on_round=_round,
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(json.dumps({"total": total.as_dict()}))
