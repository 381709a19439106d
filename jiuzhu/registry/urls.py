from django.urls import path

from jiuzhu.registry.views import discovery, households, imports, income_assets, members, relatives

urlpatterns = [
    path("households/", households.household_list, name="households"),
    path("households/new/", households.household_new, name="household_new"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", members.member_new, name="member_new"),
    path("households/<int:pk>/income/", income_assets.income_new, name="income_new"),
    path("households/<int:pk>/assets/", income_assets.asset_new, name="asset_new"),
    path("households/<int:pk>/expenses/", income_assets.expense_new, name="expense_new"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("members/<int:pk>/leave/", members.member_leave, name="member_leave"),
    path("members/<int:pk>/transfer/", members.member_transfer, name="member_transfer"),
    path("members/<int:pk>/reveal/", members.member_reveal, name="member_reveal"),
    path("income/<int:pk>/delete/", income_assets.income_delete, name="income_delete"),
    path("assets/<int:pk>/delete/", income_assets.asset_delete, name="asset_delete"),
    path("expenses/<int:pk>/delete/", income_assets.expense_delete, name="expense_delete"),
    path("relatives/", relatives.relative_list, name="relatives"),
    path("relatives/import/", relatives.relative_import, name="relative_import"),
    path("relatives/<int:pk>/deactivate/", relatives.relative_deactivate, name="relative_deactivate"),
    path("discoveries/", discovery.discovery_list, name="discoveries"),
    path("discoveries/<int:pk>/decline/", discovery.discovery_decline, name="discovery_decline"),
    path("import/", imports.household_import, name="household_import"),
    path("import/template.xlsx", imports.household_import_template, name="household_import_template"),
    path("import/jobs/<int:pk>/", imports.household_import_job, name="household_import_job"),
    path("import/jobs/<int:pk>/commit/", imports.household_import_commit, name="household_import_commit"),
    path("import/jobs/<int:pk>/errors.xlsx", imports.household_import_errors, name="household_import_errors"),
]
