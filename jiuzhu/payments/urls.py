from django.urls import path

from jiuzhu.payments import back_pay_views, views, views_files

urlpatterns = [
    path("", views.payroll_home, name="payroll"),
    path("start/", views.payroll_start, name="payroll_start"),
    path("reopen/", views.reopen, name="payroll_reopen"),
    path("runs/<int:pk>/", views.payroll_run, name="payroll_run"),
    path("runs/<int:pk>/bank-file/", views.bank_file, name="payroll_bank_file"),
    path("bank-files/<int:pk>/", views_files.bank_file_download, name="bank_file_download"),
    path("runs/<int:pk>/detail-table/<str:township>/", views.detail_table, name="payroll_detail_table"),
    path("ledger/", views.ledger, name="ledger"),
    path("statistics/", views.statistics, name="payment_statistics"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("reconcile/jobs/<int:pk>/", views.reconcile_job, name="reconcile_job"),
    path("reconcile/jobs/<int:pk>/rows.xlsx", views.reconcile_job_rows, name="reconcile_job_rows"),
    path("bank-formats/", views.bank_formats, name="bank_formats"),
    path("back-pay/", back_pay_views.back_pays, name="back_pays"),
    path("adjustments/", views.adjustment_reports, name="adjustment_reports"),
]
