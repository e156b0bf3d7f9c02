"""Vietnamese text: NFC normalisation for storage, folding for search."""

from __future__ import annotations

import unicodedata
from typing import Any

_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def nfc(value: str) -> str:
    """Return the NFC form of a string (what we store and display)."""
    return unicodedata.normalize("NFC", value)


def nfc_any(value: Any) -> Any:
    """NFC-normalise every string inside nested lists/dicts; other values pass through."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_any(v) for v in value]
    if isinstance(value, tuple):
        return tuple(nfc_any(v) for v in value)
    if isinstance(value, dict):
        return {nfc_any(k): nfc_any(v) for k, v in value.items()}
    return value


def fold(value: str) -> str:
    """Fold for search: drop diacritics, map đ to d explicitly, case-fold, squeeze spaces."""
    decomposed = unicodedata.normalize("NFD", value.translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.casefold().split())
