"""Every message of the UI has a Vietnamese translation, and the catalogues compile."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils.translation.template import templatize

import twotier
from twotier.core.management.commands.compile_translations import catalogues, compile_all

PACKAGE = Path(twotier.__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
CATALOGUE = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "django.po"
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

Message = tuple[str, str, str]  # (context, msgid, msgid_plural)


def _message(name: str, args: list[str]) -> Message:
    if name.startswith("p"):
        return args[0], args[1], args[2] if len(args) > 2 else ""
    return "", args[0], args[1] if name.startswith("n") and len(args) > 1 else ""


def shell_templates() -> list[Path]:
    """The templates of the UI shell (the accounts templates belong to their app)."""
    return sorted([*TEMPLATES.glob("*.html"), *(TEMPLATES / "web").glob("**/*.html")])


def template_messages(path: Path) -> set[Message]:
    """Messages of a template, read from the same Python-like text that makemessages feeds xgettext."""
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    code = "\n".join(line.strip() for line in code.splitlines())  # no indentation for tokenize to check
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.NL]
    found: set[Message] = set()
    for i, token in enumerate(tokens[:-1]):
        if token.type == tokenize.NAME and token.string in GETTEXT and tokens[i + 1].string == "(":
            args: list[str] = []
            for inner in tokens[i + 2 :]:
                if inner.string == ")":
                    break
                if inner.type == tokenize.STRING:
                    args.append(ast.literal_eval(inner.string))
            found.add(_message(token.string, args))
    return found


def python_messages(path: Path) -> set[Message]:
    """Messages passed as literals to the gettext family in a Python module."""
    found: set[Message] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name in GETTEXT and literals:
            found.add(_message(name, literals))
    return found


def ui_messages() -> dict[Message, str]:
    """Every message of the project's templates and the shell's Python modules, with where it was found."""
    where: dict[Message, str] = {}
    for path in sorted(TEMPLATES.glob("**/*.html")):
        for message in template_messages(path):
            where.setdefault(message, str(path.relative_to(PACKAGE)))
    for path in sorted((PACKAGE / "web").glob("*.py")):
        for message in python_messages(path):
            where.setdefault(message, str(path.relative_to(PACKAGE)))
    return where


def test_the_extractor_reads_every_tag_form(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        '{% load i18n %}{% translate "Plain" %}{% trans "Old" %}{% translate "Verb" context "menu" %}'
        "{% blocktranslate with n=x %}Hello {{ n }}{% endblocktranslate %}"
        "{% blocktranslate count counter=n %}One{% plural %}{{ counter }} many{% endblocktranslate %}"
        '{{ value|default:_("Fallback") }}',
        encoding="utf-8",
    )
    assert template_messages(sample) == {
        ("", "Plain", ""),
        ("", "Old", ""),
        ("menu", "Verb", ""),
        ("", "Hello %(n)s", ""),
        ("", "One", "%(counter)s many"),
        ("", "Fallback", ""),
    }


def vietnamese_entries() -> dict[tuple[str, str], polib.POEntry]:
    """Entries of every Vietnamese catalogue in the package; the project catalogue wins, as in Django."""
    entries: dict[tuple[str, str], polib.POEntry] = {}
    paths = [p for p in catalogues() if p.parent.parent.name == "vi" and p != CATALOGUE] + [CATALOGUE]
    for path in paths:
        entries.update({(e.msgctxt or "", e.msgid): e for e in polib.pofile(str(path)) if not e.obsolete})
    return entries


def test_every_ui_message_has_a_vietnamese_translation():
    """Templates of every app (the accounts pages too) and the shell's code read in Vietnamese."""
    entries = vietnamese_entries()
    messages = ui_messages()
    assert len(messages) > 150
    problems = []
    for (context, msgid, plural), where in sorted(messages.items()):
        entry = entries.get((context, msgid))
        if entry is None:
            problems.append(f"{where}: {msgid!r} is not in the catalogue (run makemessages)")
            continue
        translations = list(entry.msgstr_plural.values()) if plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(t.strip() for t in translations):
            problems.append(f"{where}: {msgid!r} has no Vietnamese translation")
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != set(PLACEHOLDER.findall(msgid + plural)):
                problems.append(f"{where}: {msgid!r} and its translation use different placeholders")
    assert not problems, "\n".join(problems)


def test_the_shell_speaks_plain_vietnamese():
    catalogue = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE))}
    assert catalogue["My work"] == "Việc của tôi"
    assert catalogue["Units"] == "Đơn vị"
    assert catalogue["Audit log"] == "Nhật ký hệ thống"
    assert catalogue["Log out"] == "Đăng xuất"


def test_compile_translations_writes_mo_files_once(tmp_path):
    po_path = tmp_path / "app" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    po_path.parent.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    catalogue.append(polib.POEntry(msgid="Units", msgstr="Đơn vị"))
    catalogue.save(str(po_path))

    assert compile_all(tmp_path) == [po_path]
    assert compile_all(tmp_path) == []
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    assert [(e.msgid, e.msgstr) for e in compiled] == [("Units", "Đơn vị")]
    assert not list(po_path.parent.glob(".django-*"))


def test_compile_translations_command_reports_the_catalogues():
    out = io.StringIO()
    call_command("compile_translations", stdout=out)
    assert re.search(r"\d+ of [1-9]\d* catalogue\(s\) compiled", out.getvalue())


@pytest.mark.parametrize("path", shell_templates(), ids=lambda p: p.name)
def test_shell_templates_use_no_inline_script_or_style(path):
    source = path.read_text(encoding="utf-8")
    assert "<script" not in source
    assert "<style" not in source
    assert " style=" not in source
