"""The stand-in's checkout page: plain, accessible HTML in Vietnamese (English in brackets), no scripts."""

from __future__ import annotations

from html import escape

from twotier.payments.contract import AMOUNT_FACTOR, CANCELLED, EXPIRED, FAILED, PAID, PENDING
from twotier.payments.standin.state import Checkout

TITLE = "Thanh toán thử nghiệm — stand-in, không phải cổng thật"

STATUS_TEXT = {
    PENDING: "Chờ thanh toán (pending)",
    PAID: "Đã thanh toán (paid)",
    FAILED: "Thanh toán không thành công (failed)",
    CANCELLED: "Đã hủy giao dịch (cancelled)",
    EXPIRED: "Giao dịch đã hết hạn (expired)",
}

STYLE = """
body{font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24;line-height:1.5}
main{max-width:34rem;margin:2rem auto;background:#fff;border:1px solid #c9d1d9;border-radius:8px;padding:1.5rem}
h1{font-size:1.35rem;margin:0 0 1rem}
.note{background:#fff4ce;border:1px solid #8a6d00;padding:.75rem;border-radius:6px;margin-bottom:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1.25rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.amount{font-size:1.4rem;font-weight:700}
.actions{display:flex;gap:1rem;flex-wrap:wrap}
button{font-size:1rem;padding:.7rem 1.4rem;border-radius:6px;border:2px solid #0b4f8a;cursor:pointer}
button.pay{background:#0b4f8a;color:#fff}button.cancel{background:#fff;color:#0b4f8a}
button:focus-visible{outline:3px solid #d97706;outline-offset:2px}
"""


def format_vnd(wire_amount: str) -> str:
    """`3000000` (VND × 100) → `30.000 ₫`."""
    return f"{int(wire_amount) // AMOUNT_FACTOR:,}".replace(",", ".") + " ₫"


def _layout(body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(TITLE)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )


def checkout_page(checkout: Checkout, merchant_name: str) -> str:
    """The page a payer sees: what is paid, to whom, and Pay / Cancel buttons while it is pending."""
    details = (
        "<dl>"
        f"<dt>Đơn vị thụ hưởng</dt><dd>{escape(merchant_name)}</dd>"
        f"<dt>Mã thanh toán</dt><dd>{escape(checkout.reference)}</dd>"
        f"<dt>Nội dung</dt><dd>{escape(checkout.description)}</dd>"
        f'<dt>Số tiền</dt><dd class="amount">{escape(format_vnd(checkout.amount))}</dd>'
        f'<dt>Trạng thái</dt><dd id="status">{escape(STATUS_TEXT.get(checkout.status, checkout.status))}</dd>'
        "</dl>"
    )
    if checkout.status == PENDING:
        actions = (
            f'<form method="post" action="/checkout/{escape(checkout.provider_ref)}" class="actions">'
            f'<input type="hidden" name="token" value="{escape(checkout.form_token)}">'
            '<button type="submit" name="action" value="pay" class="pay">Thanh toán (Pay)</button>'
            '<button type="submit" name="action" value="cancel" class="cancel">Hủy giao dịch (Cancel)</button>'
            "</form>"
        )
    else:
        actions = '<p role="status">Giao dịch này đã kết thúc; không thể thanh toán lại.</p>'
    body = (
        f"<h1>{escape(TITLE)}</h1>"
        '<p class="note" role="note"><strong>Lưu ý:</strong> đây là máy chủ giả lập cổng thanh toán dùng cho thử '
        "nghiệm và trình diễn. Không có tiền thật nào được chuyển. (This is a stand-in payment gateway for tests and "
        "demos; no real money moves.)</p>"
        f"{details}{actions}"
    )
    return _layout(body)


def message_page(heading: str, text: str) -> str:
    """A short page for errors and the stand-in's home."""
    return _layout(f"<h1>{escape(heading)}</h1><p>{escape(text)}</p>")
