from django.urls import path

from jiuzhu.registry import views

urlpatterns = [
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.member_new, name="member_new"),
    path("households/<int:pk>/income/", views.income_new, name="income_new"),
    path("households/<int:pk>/assets/", views.asset_new, name="asset_new"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("income/<int:pk>/delete/", views.income_delete, name="income_delete"),
    path("assets/<int:pk>/delete/", views.asset_delete, name="asset_delete"),
    path("relatives/", views.relative_list, name="relatives"),
    path("relatives/import/", views.relative_import, name="relative_import"),
    path("relatives/<int:pk>/deactivate/", views.relative_deactivate, name="relative_deactivate"),
    path("discoveries/", views.discovery_list, name="discoveries"),
    path("discoveries/<int:pk>/decline/", views.discovery_decline, name="discovery_decline"),
    path("import/", views.household_import, name="household_import"),
    path("import/template.xlsx", views.household_import_template, name="household_import_template"),
    path("import/jobs/<int:pk>/", views.household_import_job, name="household_import_job"),
    path("import/jobs/<int:pk>/commit/", views.household_import_commit, name="household_import_commit"),
    path("import/jobs/<int:pk>/errors.xlsx", views.household_import_errors, name="household_import_errors"),
]
