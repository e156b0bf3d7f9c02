"""Deterministic, plausible Vietnamese names for demo staff (Cà Mau has Kinh, Khmer and Hoa families)."""

from __future__ import annotations

import random

SURNAMES = (
    "Nguyễn",
    "Nguyễn",
    "Nguyễn",
    "Trần",
    "Trần",
    "Lê",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Võ",
    "Phan",
    "Trương",
    "Bùi",
    "Đặng",
    "Đỗ",
    "Ngô",
    "Hồ",
    "Dương",
    "Lâm",
    "Tô",
    "Quách",
    "Thạch",
    "Danh",
    "Lý",
    "Châu",
)
MIDDLE_MALE = ("Văn", "Minh", "Hoàng", "Thanh", "Hữu", "Quốc", "Công", "Đức", "Tấn", "Phước")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Kim", "Thanh", "Mỹ", "Hồng", "Bích", "Diễm", "Cẩm")
GIVEN_MALE = (
    "An",
    "Bình",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khánh",
    "Kiệt",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Trí",
    "Tuấn",
    "Vinh",
    "Toàn",
    "Lộc",
)
GIVEN_FEMALE = (
    "Châu",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Phương",
    "Tâm",
    "Thảo",
    "Trang",
    "Trinh",
    "Vy",
    "Yến",
    "Xuân",
)


def person_name(rng: random.Random) -> str:
    """Return a full name: surname, middle name, given name."""
    if rng.random() < 0.5:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
