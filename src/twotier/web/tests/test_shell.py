import pytest
from django.conf import settings
from django.test import Client, override_settings

from twotier.org.access import Grants, grants_for
from twotier.org.permissions import P
from twotier.testing.authz import Actor
from twotier.testing.factories import UserFactory, post_make, province_with_communes
from twotier.web import nav
from twotier.web.tests.helpers import text

pytestmark = pytest.mark.django_db


def _keys(grants: Grants) -> list[str]:
    return [link.key for link in nav.nav_for(grants)]


def test_navigation_follows_the_grants():
    province, (commune,) = province_with_communes("Tân Thành")
    clerk, leader, admin, bare = (UserFactory(username=n) for n in ("clerk", "leader", "admin", "bare"))
    post_make(commune, "one_stop_receiver", holder=clerk)
    post_make(commune, "unit_leader", holder=leader)
    post_make(province, "system_admin", holder=admin)
    shell = {"my_work", "units", "audit", "accounts", "admin"}  # other apps add their own entries

    def keys(grants):
        return [k for k in _keys(grants) if k in shell]

    assert keys(grants_for(clerk)) == ["my_work", "units"]
    assert keys(grants_for(leader)) == ["my_work", "units", "audit"]
    assert keys(grants_for(admin)) == ["my_work", "units", "audit", "accounts", "admin"]
    assert _keys(grants_for(bare)) == []


def test_navigation_marks_the_current_page():
    grants = Grants(user_id=1, post_ids=frozenset({1}), units_by_perm={P.UNIT_VIEW: frozenset({1})})
    links = nav.nav_for(grants, "web:unit_detail")
    assert [(link.key, link.active) for link in links] == [("my_work", False), ("units", True)]
    assert [link.url for link in links] == ["/", "/units/"]


def test_navigation_registry_accepts_entries_and_skips_unknown_urls(monkeypatch):
    monkeypatch.setattr(nav, "_REGISTRY", dict(nav._REGISTRY))
    nav.nav_register(nav.NavEntry("reports", "Reports", "web:audit_log", permission=P.REPORT_SUBMIT, order=60))
    nav.nav_register(nav.NavEntry("later", "Later", "notyet:list", order=5))
    grants = Grants(user_id=1, units_by_perm={P.REPORT_SUBMIT: frozenset({1})})
    assert _keys(grants) == ["reports"]


def test_pages_render_nav_with_current_page_and_language_switch():
    _province, (commune,) = province_with_communes("Tân Thành")
    clerk = UserFactory(username="clerk")
    post_make(commune, "one_stop_receiver", holder=clerk)
    html = Actor("clerk", clerk).client().get("/units/").content.decode()
    assert '<a href="/units/" aria-current="page">Đơn vị</a>' in html
    assert 'class="skip-link" href="#main"' in html
    assert 'name="language" value="vi" lang="vi"\n                    aria-pressed="true"' in html
    assert 'action="/i18n/setlang/"' in html
    assert '<main id="main"' in html
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html  # every asset is local


def test_error_pages_use_the_shell():
    client = Client()
    response = client.get("/does-not-exist/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in text(response)
    assert "Bỏ qua, đến nội dung chính" in text(response)


def test_language_switch_works_before_login():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()


COOKIE_LOCALE = [
    "twotier.web.middleware.CookieLocaleMiddleware" if m == "django.middleware.locale.LocaleMiddleware" else m
    for m in settings.MIDDLEWARE
]


def test_vietnamese_is_the_default_whatever_the_browser_asks():
    with override_settings(MIDDLEWARE=COOKIE_LOCALE):
        client = Client(headers={"accept-language": "en-US,en;q=0.9"})
        response = client.get("/accounts/login/")
        assert '<html lang="vi">' in response.content.decode()
        assert response["Content-Language"] == "vi"
        client.cookies["django_language"] = "en"
        assert '<html lang="en">' in client.get("/accounts/login/").content.decode()
        client.cookies["django_language"] = "fr"
        assert '<html lang="vi">' in client.get("/accounts/login/").content.decode()


def test_apps_declare_menu_entries_and_audit_labels_in_a_ui_module(monkeypatch):
    from types import SimpleNamespace

    from twotier.web import extensions, labels

    monkeypatch.setattr(nav, "_REGISTRY", dict(nav._REGISTRY))
    monkeypatch.setattr(labels, "_ACTION_LABELS", dict(labels._ACTION_LABELS))
    module = SimpleNamespace(
        NAV_ENTRIES=[
            {
                "key": "reports",
                "label": "Reports",
                "url_name": "web:audit_log",
                "permission": P.REPORT_SUBMIT,
                "active_for": ["web:audit_log"],
            }
        ],
        AUDIT_ACTIONS={"report.submit": "Report submitted"},
    )
    extensions.register_from(module)
    grants = Grants(user_id=1, units_by_perm={P.REPORT_SUBMIT: frozenset({1})})
    assert [(link.key, link.active) for link in nav.nav_for(grants, "web:audit_log")] == [("reports", True)]
    assert labels.action_label("report.submit") == "Report submitted"
    assert labels.action_label("unknown.action") == "unknown.action"
    assert extensions._ui_module("twotier.core") is None


def test_the_500_page_renders_without_a_request_context():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in text(response)
