import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse here to serve with keys that do not fit the data (密评).
from jiuzhu.core.crypto.startup import refuse_wrong_keys  # noqa: E402

refuse_wrong_keys()
