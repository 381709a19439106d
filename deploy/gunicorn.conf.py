"""gunicorn settings for deploy/jiuzhu-web.service; every value can be overridden from the environment."""

import os

bind = os.environ.get("JIUZHU_BIND", "127.0.0.1:8000")
# Two processes per core plus one; each renders PDFs and spreadsheets in the request (seconds at most).
workers = int(os.environ.get("JIUZHU_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)))
threads = int(os.environ.get("JIUZHU_WEB_THREADS", "2"))
timeout = int(os.environ.get("JIUZHU_WEB_TIMEOUT", "120"))  # uploads of large files, PDF rendering
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then (WeasyPrint's font caches grow)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("JIUZHU_FORWARDED_ALLOW_IPS", "127.0.0.1")
