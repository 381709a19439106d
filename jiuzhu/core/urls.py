from django.urls import path

from jiuzhu.core import views

urlpatterns = [
    path("jobs/<int:pk>/restart/", views.job_restart, name="job_restart"),
]
