from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from jiuzhu.archive import views as archive_views
from jiuzhu.core import views as core_views
from jiuzhu.documents import views as document_views
from jiuzhu.orgs import views as org_views
from jiuzhu.orgs import views_login as login_views
from jiuzhu.routers import api

urlpatterns = [
    path("", org_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("jiuzhu/favicon.svg"), permanent=True)),
    path("accounts/login/", login_views.LoginView.as_view(), name="login"),
    path("accounts/login/verify/", login_views.login_verify, name="login_verify"),
    path("accounts/login/enrol/", login_views.login_enrol, name="login_enrol"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", login_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("account/", org_views.account, name="account"),
    path("account/mfa/", login_views.account_mfa, name="account_mfa"),
    path("account/tokens/<int:pk>/revoke/", org_views.token_revoke, name="token_revoke"),
    path("orgs/", include("jiuzhu.orgs.urls")),
    path("registry/", include("jiuzhu.registry.urls")),
    path("cases/", include("jiuzhu.cases.urls")),
    path("documents/", include("jiuzhu.documents.urls")),
    path("benefits/", include("jiuzhu.benefits.urls")),
    path("payments/", include("jiuzhu.payments.urls")),
    path("supervision/", include("jiuzhu.supervision.urls")),
    path("monitoring/", include("jiuzhu.monitoring.urls")),
    path("verify/<str:doc_uuid>/", document_views.verify, name="verify"),
    path("archive/", include("jiuzhu.archive.urls")),
    path("board/<str:code>/", archive_views.board_public, name="board_public"),
    path("portal/", include("jiuzhu.portal.urls")),
    path("integrations/", include("jiuzhu.events.urls")),
    path("settings/", include("jiuzhu.console.urls")),
    path("settings/", include("jiuzhu.core.urls")),
    path("api/v1/", api.urls),
    # Django's own admin login would skip the second factor: it goes through ours.
    path("django-admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("django-admin/", admin.site.urls),
]
