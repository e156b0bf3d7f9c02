"""`python -m twotier.payments.standin`: run the stand-in payment gateway in the foreground."""

from __future__ import annotations

import argparse
import os
import sys

from twotier.payments.contract import DEFAULT_STANDIN_PORT, DEFAULT_WINDOW_SECONDS, DEMO_MERCHANT_ID, DEMO_SECRET
from twotier.payments.standin.server import StandinGateway


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the secret and merchant id default to TWOTIER_PAYMENT_* or the public demo values."""
    parser = argparse.ArgumentParser(
        prog="python -m twotier.payments.standin",
        description="Stand-in payment gateway for tests and demos (not a real gateway: no money moves).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_STANDIN_PORT, help="port; 0 picks a free one")
    parser.add_argument(
        "--secret",
        default=os.environ.get("TWOTIER_PAYMENT_SECRET") or DEMO_SECRET,
        help="merchant's shared HMAC secret (default: $TWOTIER_PAYMENT_SECRET, else the public demo secret)",
    )
    parser.add_argument(
        "--merchant-id", default=os.environ.get("TWOTIER_PAYMENT_MERCHANT_ID") or DEMO_MERCHANT_ID, help="merchant id"
    )
    parser.add_argument("--merchant-name", default="TwoTier (demo)", help="name shown on the checkout page")
    parser.add_argument("--public-url", default=None, help="base URL written into checkout URLs")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW_SECONDS, help="accepted clock skew, seconds")
    parser.add_argument("--retries", type=int, default=3, help="callback retries on network errors and 5xx")
    parser.add_argument("--callback-delay", type=float, default=0.0, help="fault: deliver callbacks N seconds late")
    parser.add_argument("--drop-callbacks", type=int, default=0, help="fault: never deliver the next N callbacks")
    parser.add_argument("--duplicate", choices=("", "same", "fresh"), default="", help="fault: deliver twice")
    parser.add_argument("--fail-payments", type=int, default=0, help="fault: the next N payments fail (code 51)")
    parser.add_argument("--bad-signature", action="store_true", help="fault: sign callbacks with a wrong key")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the stand-in, print its URL on the first line of stdout, serve until interrupted."""
    args = parse_args(argv)
    try:
        gateway = StandinGateway(
            secret=args.secret,
            merchant_id=args.merchant_id,
            merchant_name=args.merchant_name,
            host=args.host,
            port=args.port,
            public_url=args.public_url,
            window=args.window,
            retries=args.retries,
            quiet=not args.verbose,
        )
    except (ValueError, OSError) as exc:
        print(f"stand-in gateway: {exc}", file=sys.stderr)
        return 2
    gateway.store.faults.update(
        {
            "callback_delay": args.callback_delay,
            "drop_callbacks": args.drop_callbacks,
            "duplicate": args.duplicate,
            "fail_payments": args.fail_payments,
            "bad_signature": args.bad_signature,
        }
    )
    print(f"stand-in payment gateway (not a real gateway) listening on {gateway.url}", flush=True)
    try:
        gateway.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        gateway.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
