"""Every message of the national-portal pages has a Vietnamese translation with the same placeholders."""

from pathlib import Path

from twotier.web.tests.test_translations import PLACEHOLDER, python_messages, template_messages, vietnamese_entries

APP = Path(__file__).resolve().parents[1]


def test_every_message_of_the_app_reads_in_vietnamese():
    messages = set()
    for path in sorted((APP / "templates").glob("**/*.html")):
        messages |= template_messages(path)
    for path in sorted(APP.glob("*.py")):
        messages |= python_messages(path)
    assert len(messages) > 50
    entries = vietnamese_entries()
    problems = []
    for context, msgid, plural in sorted(messages):
        entry = entries.get((context, msgid))
        if entry is None:
            problems.append(f"{msgid!r} is not in a catalogue")
            continue
        translations = list(entry.msgstr_plural.values()) if plural else [entry.msgstr]
        if not all(t.strip() for t in translations):
            problems.append(f"{msgid!r} has no translation")
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != set(PLACEHOLDER.findall(msgid + plural)):
                problems.append(f"{msgid!r}: placeholders differ")
    assert problems == []
