from django.urls import path

from jiuzhu.supervision.views import alerts, complaints, dashboard, escalation, sampling

urlpatterns = [
    path("", dashboard.dashboard, name="sup_dashboard"),
    path("queue/", escalation.queue, name="sup_queue"),
    path("samples/", sampling.samples, name="sup_samples"),
    path("samples/<int:pk>/", sampling.sample_detail, name="sup_sample"),
    path("inspections/", sampling.inspection_list, name="sup_inspections"),
    path("inspections/start/", sampling.inspection_start, name="sup_inspection_start"),
    path("inspections/<int:pk>/", sampling.inspection_detail, name="sup_inspection"),
    path("findings/", sampling.finding_list, name="sup_findings"),
    path("findings/<int:pk>/", sampling.finding_detail, name="sup_finding"),
    path("checklists/", sampling.checklists, name="sup_checklists"),
    path("alerts/", alerts.alert_list, name="sup_alerts"),
    path("alerts/rules/", alerts.rule_list, name="sup_rules"),
    path("alerts/scan/", alerts.scan_now, name="sup_scan"),
    path("alerts/scan/<int:pk>/", alerts.scan_job, name="sup_scan_job"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="sup_alert"),
    path("matters/", escalation.matter_list, name="sup_matters"),
    path("matters/new/", escalation.matter_new, name="sup_matter_new"),
    path("matters/<int:pk>/", escalation.matter_detail, name="sup_matter"),
    path("complaints/", complaints.complaint_list, name="sup_complaints"),
    path("complaints/new/", complaints.complaint_new, name="sup_complaint_new"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="sup_complaint"),
    path("scores/", dashboard.scorecards, name="sup_scores"),
    path("scores/<int:pk>/", dashboard.scorecard_detail, name="sup_scorecard"),
    path("funds/", dashboard.funds, name="sup_funds"),
    path("capacity/", dashboard.capacity_page, name="sup_capacity"),
]
