import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from maps.wsgi import TileApplication  # noqa: E402  (the apps are loaded now)

application = TileApplication(application)  # vector tiles in front of Django's request cycle (maps/wsgi.py)
