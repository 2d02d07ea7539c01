"""URLs of the whole site; meetings have their own module."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from appraisal.throttle import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm
from appraisal.views import home, roster, roster_io, schemes

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    # First: the seat, projector and commenter links (s/, p/, c/). 300 laptops send ballots
    # and poll through them; each pattern tried before costs every one of those requests.
    path("", include("meetings.public_urls")),
    path("", home.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("roster/", roster.org_list, name="org_list"),
    path("roster/new/", roster.org_create, name="org_create"),
    path("roster/<int:pk>/", roster.org_detail, name="org_detail"),
    path("roster/<int:pk>/edit/", roster.org_edit, name="org_edit"),
    path("roster/<int:pk>/active/", roster.org_set_active, name="org_set_active"),
    path("roster/<int:pk>/secretaries/new/", roster.secretary_create, name="secretary_create"),
    path("roster/secretaries/<int:pk>/edit/", roster.secretary_edit, name="secretary_edit"),
    path("roster/import/", roster_io.roster_import, name="roster_import"),
    path("roster/template.xlsx", roster_io.roster_template, name="roster_template"),
    path("roster/export.xlsx", roster_io.roster_export, name="roster_export"),
    path("schemes/", schemes.scheme_list, name="scheme_list"),
    path("schemes/new/", schemes.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", schemes.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", schemes.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/copy/", schemes.scheme_copy, name="scheme_copy"),
    path("meetings/", include("meetings.urls")),
    path("admin/", admin.site.urls),
]
