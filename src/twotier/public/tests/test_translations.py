"""Every message of the citizen pages reads in Vietnamese; the templates carry no inline script or style."""

from __future__ import annotations

from pathlib import Path

import pytest

import twotier
from twotier.web.tests.test_translations import PLACEHOLDER, python_messages, template_messages, vietnamese_entries

PUBLIC = Path(twotier.__file__).resolve().parent / "public"
TEMPLATES = sorted((PUBLIC / "templates").glob("**/*.html"))
MODULES = sorted(p for p in PUBLIC.glob("**/*.py") if "tests" not in p.parts)


def test_every_citizen_message_has_a_vietnamese_translation():
    entries = vietnamese_entries()
    messages = {}
    for path in TEMPLATES:
        messages.update({m: path.name for m in template_messages(path)})
    for path in MODULES:
        messages.update({m: path.name for m in python_messages(path)})
    assert len(messages) > 150
    problems = []
    for (context, msgid, plural), where in sorted(messages.items()):
        entry = entries.get((context, msgid))
        if entry is None:
            problems.append(f"{where}: {msgid!r} is not in the catalogue")
            continue
        translations = list(entry.msgstr_plural.values()) if plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(t.strip() for t in translations):
            problems.append(f"{where}: {msgid!r} has no Vietnamese translation")
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != set(PLACEHOLDER.findall(msgid + plural)):
                problems.append(f"{where}: {msgid!r} and its translation use different placeholders")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_citizen_templates_use_no_inline_script_or_style(path):
    source = path.read_text(encoding="utf-8")
    assert "<script" not in source
    assert "<style" not in source
    assert " style=" not in source
