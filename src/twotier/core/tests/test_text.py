import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from twotier.core.text import fold, nfc, nfc_any


def test_dam_doi_spellings_fold_to_the_same_key():
    assert fold("Đầm Dơi") == fold("dam doi") == fold("ĐẦM DƠI") == "dam doi"


def test_fold_maps_d_stroke_explicitly_and_handles_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Đất Mũi")
    assert fold(decomposed) == "dat mui"
    assert fold("  Phường   Tân  Thành ") == "phuong tan thanh"


def test_nfc_composes_decomposed_vietnamese():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng")
    assert decomposed != "Nguyễn Thị Hồng"
    assert nfc(decomposed) == "Nguyễn Thị Hồng"
    assert nfc_any({"a": [decomposed], "n": 1}) == {"a": ["Nguyễn Thị Hồng"], "n": 1}


@given(st.text())
def test_fold_is_idempotent_and_ascii_for_vietnamese_letters(text):
    assert fold(fold(text)) == fold(text)


@given(st.sampled_from(list("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")))
def test_every_vietnamese_letter_folds_to_ascii(letter):
    assert fold(letter).isascii()
    assert fold(letter.upper()) == fold(letter)
