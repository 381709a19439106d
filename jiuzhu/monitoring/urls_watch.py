from django.urls import path

from jiuzhu.monitoring import watch_report_views as report
from jiuzhu.monitoring import watch_views as views

urlpatterns: list = [
    path("import/", views.import_page, name="import"),
    path("import/template/<str:source>.xlsx", views.import_template, name="import_template"),
    path("import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("import/jobs/<int:pk>/commit/", views.import_commit_view, name="import_commit"),
    path("import/jobs/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("dashboard/", report.dashboard, name="dashboard"),
    path("report.xlsx", report.report_xlsx, name="report_xlsx"),
    path("report.pdf", report.report_pdf, name="report_pdf"),
]
