from django.urls import path

from jiuzhu.events import views

urlpatterns = [
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/deactivate/", views.webhook_deactivate, name="webhook_deactivate"),
    path("webhooks/deliveries/<int:pk>/retry/", views.delivery_retry, name="webhook_delivery_retry"),
]
