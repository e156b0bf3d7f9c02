"""Printable one-stop forms 01–07 (Circular 01/2018/TT-VPCP layouts) as PDF: see docs/forms.md."""

from twotier.dossiers.forms.context import FORMS
from twotier.dossiers.forms.render import render_form, render_register

__all__ = ["FORMS", "render_form", "render_register"]
