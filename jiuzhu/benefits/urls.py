from django.urls import path

from jiuzhu.benefits import views, views_income

urlpatterns = [
    path("", views.enrolment_list, name="enrolments"),
    path("reviews-due/", views.reviews_due, name="reviews_due"),
    path("dishonesty/", views.dishonesty_list, name="dishonesty_list"),
    path("deaths/", views.deaths_import, name="deaths_import"),
    path("<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("<int:pk>/reveal-account/", views.account_reveal, name="enrolment_account_reveal"),
    path("<int:pk>/changes/<int:change_pk>/notice/", views.notice_issue, name="enrolment_notice_issue"),
    path("<int:pk>/<str:action>/", views.enrolment_act, name="enrolment_act"),
    path("cases/<int:pk>/assess/", views.case_assess, name="case_assess"),
    path("cases/<int:pk>/single-cover/", views_income.single_cover_post, name="case_single_cover"),
]
