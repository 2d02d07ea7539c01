"""gunicorn's settings for the app, read from the project folder by every `gunicorn` started
there: `./run`, the deployment's service, bench/hall.py and tests/test_deploy.py.

Sync workers: a request is CPU in Python and a short database write, and a crashed or killed
worker takes only its one request with it. They serve one connection at a time and wait after
every answer for the client to close (up to 2 s), so in front of a hall of laptops they sit
behind nginx (`manage.py nginx_config`), which keeps the laptops' connections.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "sync"
timeout = 60
accesslog = "-"
# Method, status, size and time, no path: seat links carry their token in it.
access_log_format = "%(t)s %(m)s %(s)s %(b)s %(L)ss"
