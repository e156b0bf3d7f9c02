"""Citizen pages under /dich-vu-cong/ (online services) and /tra-cuu/ (follow a dossier).

Mount with ``path("", include("twotier.public.urls"))`` after the staff pages. The status page and
result paths match the links already printed and synced elsewhere: the receipt's QR code
(`/tra-cuu/<code>`) and the national portal's result link (`/tra-cuu/<code>/ket-qua/<id>`).
"""

from django.urls import path

from twotier.public.views import catalogue, lookup, submit

app_name = "public"
urlpatterns = [
    path("dich-vu-cong/", catalogue.catalogue, name="catalogue"),
    path("dich-vu-cong/cua-toi/", catalogue.mine, name="mine"),
    path("dich-vu-cong/da-nop/<str:code>/", submit.submitted, name="submitted"),
    path("dich-vu-cong/<str:code>/nop-ho-so/", submit.submit, name="submit"),
    path("tra-cuu/", lookup.lookup, name="lookup"),
    path("tra-cuu/<str:code>", lookup.status, name="status"),
    path("tra-cuu/<str:code>/danh-gia", lookup.rate, name="rate"),
    path("tra-cuu/<str:code>/gop-y", lookup.complain, name="complain"),
    path("tra-cuu/<str:code>/dong", lookup.forget, name="forget"),
    path("tra-cuu/<str:code>/ket-qua/<int:result_id>", lookup.result_download, name="result"),
]
