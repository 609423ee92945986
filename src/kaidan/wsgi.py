import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
_site = get_wsgi_application()

from kaidan.core.stateless import dispatching  # noqa: E402  (after Django is set up)

application = dispatching(_site)
