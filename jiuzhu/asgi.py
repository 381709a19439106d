import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
application = get_asgi_application()

from jiuzhu.core.crypto.startup import refuse_wrong_keys  # noqa: E402

refuse_wrong_keys()  # see jiuzhu/wsgi.py
