"""Django templates → WeasyPrint → PDF bytes, with the packaged fonts and stylesheet and nothing from the network."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.template import Context, Engine
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from twotier.core.errors import NotFound
from twotier.dossiers.forms.context import BUILDERS, FORMS, FormSpec
from twotier.dossiers.forms.register import register_context
from twotier.dossiers.models import Dossier

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
FONTS_DIR = PACKAGE_DIR / "fonts"
STYLESHEET = TEMPLATES_DIR / "forms" / "forms.css"
BASE_URL = PACKAGE_DIR.as_uri() + "/"

_SERVED = {".ttf": "font/ttf", ".css": "text/css"}

# A private engine: the forms do not depend on the project's TEMPLATES setting, and autoescape is on.
ENGINE = Engine(dirs=[str(TEMPLATES_DIR)], autoescape=True, debug=False)


class PackageOnlyFetcher(URLFetcher):
    """Serves the packaged fonts and stylesheet and `data:` URIs (the QR code); refuses everything else."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the resource for `url`, or raise ValueError for anything outside the package."""
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"Forms load nothing from outside the package: {url}")
        path = Path(unquote(parts.path)).resolve()
        allowed = path.suffix in _SERVED and (path.is_relative_to(FONTS_DIR) or path.is_relative_to(TEMPLATES_DIR))
        if not allowed or not path.is_file():
            raise ValueError(f"Forms load only their packaged fonts and stylesheet: {url}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _SERVED[path.suffix]})


class _Toolkit(threading.local):
    """Per-thread font configuration and parsed stylesheet: loading the fonts once makes each render cheap."""

    fetcher: PackageOnlyFetcher | None = None
    fonts: FontConfiguration | None = None
    css: CSS | None = None


_toolkit = _Toolkit()


def _tools() -> tuple[PackageOnlyFetcher, FontConfiguration, CSS]:
    if _toolkit.css is None:
        _toolkit.fetcher = PackageOnlyFetcher()
        _toolkit.fonts = FontConfiguration()
        _toolkit.css = CSS(
            filename=str(STYLESHEET), url_fetcher=_toolkit.fetcher, font_config=_toolkit.fonts, media_type="print"
        )
    assert _toolkit.fetcher is not None and _toolkit.fonts is not None
    return _toolkit.fetcher, _toolkit.fonts, _toolkit.css


def html_to_pdf(html: str) -> bytes:
    """Render an HTML string with the forms stylesheet and fonts; nothing outside the package is fetched."""
    fetcher, fonts, css = _tools()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print")
    pdf = document.write_pdf(stylesheets=[css], font_config=fonts, pdf_identifier=b"twotier-forms")
    assert pdf is not None
    return pdf


def form_spec_for(form_no: str, dossier: Dossier) -> FormSpec:
    """The FormSpec of `form_no` when it applies to `dossier`; NotFound for an unknown or inapplicable form."""
    spec = FORMS.get(form_no)
    if spec is None:
        raise NotFound(f"There is no form {form_no!r}; forms 01–06 are printed per dossier")
    if not spec.applies(dossier):
        raise NotFound(f"Form {form_no} does not apply: {spec.not_applicable.lower()}")
    return spec


def form_html(form_no: str, dossier: Dossier, *, copy_label: str | None = None) -> str:
    """The HTML of form `form_no` for `dossier` (one page group per copy)."""
    spec = form_spec_for(form_no, dossier)
    context = BUILDERS[form_no](dossier)
    copies = (copy_label,) if copy_label else spec.copies
    context.update({"form_no": spec.number, "form_title": spec.title, "copies": copies})
    return ENGINE.get_template(spec.template).render(_context(context))


def render_form(form_no: str, dossier: Dossier, *, copy_label: str | None = None) -> bytes:
    """The PDF of form `form_no` (01–06) for `dossier`; form 01 prints two copies unless `copy_label` names one."""
    return html_to_pdf(form_html(form_no, dossier, copy_label=copy_label))


def register_html(unit: Any, date_from: dt.date, date_to: dt.date, *, user: Any) -> str:
    """The HTML of the register (form 07) of `unit` for the date range, as `user` may see it."""
    context = register_context(unit, date_from, date_to, user=user)
    context.update({"form_no": "07", "form_title": "Sổ theo dõi hồ sơ"})
    return ENGINE.get_template("forms/07_register.html").render(_context(context))


def render_register(unit: Any, date_from: dt.date, date_to: dt.date, *, user: Any) -> bytes:
    """The PDF of the register (form 07): dossiers received at `unit` in the range, table headers on every page."""
    return html_to_pdf(register_html(unit, date_from, date_to, user=user))


def _context(values: dict[str, Any]) -> Context:
    return Context(values, autoescape=True)
