from django.urls import path

from jiuzhu.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("policies/", views.policies, name="policies"),
    path("policies/<str:assistance_type>/", views.materials, name="materials"),
    path("apply/", views.apply, name="apply"),
    path("apply/code/", views.phone_code, name="phone_code"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path("status/", views.status_query, name="status_query"),
    path("status/case/", views.status_case, name="status_case"),
    path("status/case/documents/<int:document_id>/", views.status_document, name="status_document"),
    path("status/case/objection/", views.status_objection, name="status_objection"),
    path("status/leave/", views.status_leave, name="status_leave"),
    path("complaint/", views.complaint, name="complaint"),
    path("complaint/done/", views.complaint_done, name="complaint_done"),
    path("staff/complaints/", views.staff_complaints, name="staff_complaints"),
]
