"""The site's URL patterns with the open-data patterns first, for the stateless handler (kaidan.core.stateless).

Every pattern of the site is here, so `reverse()` answers exactly as on the site; only the order differs, so a
CKAN API path is resolved by the first include instead of after walking some twenty others (a quarter of a
millisecond of each `datastore_search`). The handler serves only the API's paths, which no earlier pattern of
the site matches, so each resolves to the same view as on the site (tests/live/test_serve_dispatch.py).
"""

from kaidan.urls import handler400, handler403, handler404, handler500
from kaidan.urls import urlpatterns as site

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def _module(pattern: object) -> str:
    """The dotted name of an include()'s module ("" for a plain path)."""
    urlconf = getattr(pattern, "urlconf_name", None)
    return str(getattr(urlconf, "__name__", urlconf or ""))


urlpatterns = sorted(site, key=lambda p: _module(p) != "kaidan.opendata.urls")
