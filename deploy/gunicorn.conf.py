"""gunicorn settings for deploy/jiuzhu-web.service; every value can be overridden from the environment."""

import os

bind = os.environ.get("JIUZHU_BIND", "127.0.0.1:8000")
# Two processes per core plus one; each renders PDFs and spreadsheets in the request (seconds at most).
workers = int(os.environ.get("JIUZHU_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)))
threads = int(os.environ.get("JIUZHU_WEB_THREADS", "2"))
timeout = int(os.environ.get("JIUZHU_WEB_TIMEOUT", "120"))  # uploads of large files, PDF rendering
graceful_timeout = 30
# Idle kept-alive connections stay open longer than the proxy keeps its own (nginx's upstream keepalive_timeout,
# 60 s): when the server closes first, a request the proxy or a client sends at that moment is reset (D-223).
keepalive = int(os.environ.get("JIUZHU_WEB_KEEPALIVE", "75"))
# Recycle each process now and then (WeasyPrint's caches grow); 0 never does.
max_requests = int(os.environ.get("JIUZHU_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("JIUZHU_FORWARDED_ALLOW_IPS", "127.0.0.1")
