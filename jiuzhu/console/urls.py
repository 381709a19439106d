from django.urls import path

from jiuzhu.console import views, views_calendar, views_training

urlpatterns = [
    path("params/", views.params_list, name="params"),
    path("params/<str:key>/", views.param_detail, name="param_detail"),
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("calendar/calculate/", views_calendar.workday_calculator, name="workday_calculator"),
    path("audit/", views.audit_list, name="audit"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("training-clock/", views_training.training_clock, name="training_clock"),
]
