from django.urls import path

from jiuzhu.documents import views

urlpatterns = [
    path("", views.document_list, name="documents"),
    path("numbers/", views.number_register, name="number_register"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/pdf/", views.document_pdf, name="document_pdf"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path(
        "delegation-letter/<int:grant_pk>/",
        views.delegation_letter_issue,
        name="delegation_letter_issue",
    ),
    path("templates/", views.template_list, name="document_templates"),
    path("templates/<str:kind>/", views.template_edit, name="document_template_edit"),
    path("templates/<str:kind>/preview/", views.template_preview, name="document_template_preview"),
    path("templates/<str:kind>/history/", views.template_history, name="document_template_history"),
    path("templates/<str:kind>/restore/", views.template_restore, name="document_template_restore"),
]
