from django.urls import path

from jiuzhu.archive import views

urlpatterns = [
    path("households/<int:pk>/", views.household_file, name="household_file"),
    path("households/<int:pk>/custody/", views.household_custody, name="household_custody"),
    path("households/<int:pk>/upload/", views.household_upload, name="household_file_upload"),
    path("households/<int:pk>/bundle/", views.household_bundle, name="household_bundle"),
    path("bundles/<int:pk>/", views.bundle_job, name="bundle_job"),
    path("bundles/<int:pk>/download/", views.bundle_download, name="bundle_download"),
    path("custody/bulk/", views.custody_bulk, name="custody_bulk"),
    path("boards/", views.board_list, name="boards"),
    path("boards/<str:code>/print/", views.board_print, name="board_print"),
]
