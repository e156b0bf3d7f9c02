"""A stand-in for the National Public Service Portal (NOT the real portal): see docs/national-portal.md."""

from twotier.nationalportal.standin.control import StandinControl
from twotier.nationalportal.standin.server import StandinPortal

__all__ = ["StandinControl", "StandinPortal"]
