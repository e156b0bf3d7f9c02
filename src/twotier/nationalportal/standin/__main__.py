"""Run the stand-in portal as its own process.

    python -m twotier.nationalportal.standin --port 8765 --db var/standin-portal.sqlite3

It is a STAND-IN for the National Public Service Portal's dossier-sync service, for demos, tests and
benchmarks; it listens on loopback only. It needs no Django settings.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from twotier.nationalportal.standin.server import StandinPortal


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m twotier.nationalportal.standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--db", default="var/standin-portal.sqlite3", help="the stand-in's own SQLite file")
    parser.add_argument("--username", default=os.environ.get("TWOTIER_NATIONAL_PORTAL_USERNAME", "standin"))
    parser.add_argument("--password", default=os.environ.get("TWOTIER_NATIONAL_PORTAL_PASSWORD", "standin"))
    parser.add_argument("--token-ttl", type=int, default=3600, help="session lifetime in seconds")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s")
    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    try:
        portal = StandinPortal(
            db_path=args.db,
            host=args.host,
            port=args.port,
            username=args.username,
            password=args.password,
            token_ttl=args.token_ttl,
        )
    except (ValueError, OSError) as exc:
        print(f"stand-in portal: {exc}", file=sys.stderr)
        return 2

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    # The first line is machine-readable: scripts wait for it to learn the port.
    print(f"STAND-IN national portal (not the real one) listening on {portal.url} db={args.db}", flush=True)
    try:
        portal.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        portal.httpd.server_close()
        portal.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
