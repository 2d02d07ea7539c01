"""WSGI entry point: gunicorn serves `appraisal.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal.settings")
application = get_wsgi_application()
