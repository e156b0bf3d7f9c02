"""A stand-in payment gateway for tests and demos: its own process, real HTTP, signed callbacks. Not a real gateway.

Run it with `python -m twotier.payments.standin --port 8766`; see docs/payments.md.
"""

from twotier.payments.standin.server import StandinGateway

__all__ = ["StandinGateway"]
