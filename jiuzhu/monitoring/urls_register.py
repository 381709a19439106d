from django.urls import path

from jiuzhu.monitoring import register_views

urlpatterns: list = [
    path("register/", register_views.register_list, name="register"),
    path("register/<int:pk>/", register_views.register_detail, name="register_detail"),
    path("households/<int:pk>/chain/", register_views.household_chain, name="household_chain"),
]
