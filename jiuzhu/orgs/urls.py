from django.urls import path

from jiuzhu.orgs import views, views_security

urlpatterns = [
    path("jurisdictions/", views.jurisdiction_list, name="jurisdictions"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/", views.staff_account, name="staff_account"),
    path("security/keys/", views_security.key_status, name="key_status"),
    path("delegation/", views.rollout, name="rollout"),
    path("delegation/who-decides/", views.who_decides_view, name="who_decides"),
    path("delegation/new/", views.grant_create, name="grant_create"),
    path("delegation/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("delegation/<int:pk>/letter/", views.grant_letter, name="grant_letter"),
]
