import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What a server process loads once (settings, apps, the URLconf and every view module it
# imports) lives as long as the process: taken out of the garbage collector's sight, so that
# a full collection scans only what requests leave behind. Each one scanned the ~180,000
# startup objects again: about 0.2 s of CPU every few thousand requests, the dearest part of
# the employer's page after its own query (docs/decisions/0024-share-page-cpu.md).
get_resolver().url_patterns  # noqa: B018 - imports the views now, before the freeze
gc.collect()
gc.freeze()
