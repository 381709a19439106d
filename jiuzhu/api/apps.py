from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiuzhu.api"
    label = "jiuzhu_api"
    verbose_name = "接口"
