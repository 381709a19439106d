from jiuzhu.monitoring import urls_register, urls_watch

app_name = "monitoring"

urlpatterns = [*urls_watch.urlpatterns, *urls_register.urlpatterns]
