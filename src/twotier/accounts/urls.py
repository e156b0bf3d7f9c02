"""Accounts pages, mounted at /accounts/."""

from django.urls import path

from twotier.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("mfa/enrol/", views.mfa_enrol_view, name="mfa_enrol"),
    path("password/", views.password_change_view, name="password_change"),
    path("me/", views.my_account_view, name="account"),
    path("me/tokens/", views.token_create_view, name="token_create"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("manage/", views.account_list_view, name="account_list"),
    path("manage/new/", views.account_create_view, name="account_create"),
    path("manage/<int:pk>/unlock/", views.account_unlock_view, name="account_unlock"),
    path("manage/<int:pk>/active/", views.account_set_active_view, name="account_set_active"),
    path("manage/<int:pk>/password/", views.account_reset_password_view, name="account_reset_password"),
    path("manage/<int:pk>/mfa-reset/", views.account_reset_mfa_view, name="account_reset_mfa"),
]
