"""Page URLs of the cases app: applications and intake, the steps after acceptance, queues and deadlines, and
the bureau's materials checklist."""

from django.urls import path

from jiuzhu.cases import views, views_actions, views_materials, views_queues

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("new/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/materials/", views_actions.material_receive, name="case_material_receive"),
    path(
        "<int:pk>/materials/<int:material_pk>/remove/",
        views_actions.material_remove,
        name="case_material_remove",
    ),
    path("<int:pk>/signatures/", views_actions.signature_record, name="case_signature"),
    path("<int:pk>/notify-missing/", views_actions.notify_missing, name="case_notify_missing"),
    path("<int:pk>/refuse/", views_actions.refuse, name="case_refuse"),
    path("<int:pk>/accept/", views_actions.accept, name="case_accept"),
    path("<int:pk>/withdraw/", views_actions.withdraw, name="case_withdraw"),
    path("<int:pk>/checks/", views_actions.rerun_checks, name="case_checks"),
    path("<int:pk>/filings/", views_actions.file_near_relative, name="case_filing"),
    path("<int:pk>/notices/<int:notice_pk>/", views.case_notice, name="case_notice"),
    path("<int:pk>/act/<str:action>/", views_actions.act, name="case_act"),
    path("<int:pk>/documents/<str:kind>/", views.issue_document, name="case_document_issue"),
    path("<int:pk>/attachments/", views.attach, name="case_attach"),
    path("<int:pk>/dispute/", views_actions.mark_disputed, name="case_dispute"),
    path("queue/", views_queues.queue, name="queue"),
    path("queue/bulk/<str:action>/", views_queues.bulk_action, name="queue_bulk"),
    path("deadlines/", views_queues.deadlines, name="deadlines"),
    path("materials/", views_materials.checklist_page, name="materials_checklist"),
]
