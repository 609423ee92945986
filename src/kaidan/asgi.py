"""The ASGI entry point `kaidan serve` runs: Django's WSGI handler for ordinary pages, its ASGI handler for the
async views (live-update streams).

Why two handlers: every view but the live streams is synchronous. Under Django's ASGI handler each request of
a sync view crosses the middleware chain through async/sync adapters and gets a thread of its own (asgiref's
per-request ThreadSensitiveContext starts and joins one), which costs more than a small page itself (measured
back to back with 8 clients: /robots.txt 273 req/s that way, 761 through the WSGI handler). So requests
whose view is a plain function go to the WSGI handler, run in a fixed pool of threads (each keeps its
database connection, see CONN_MAX_AGE) by kaidan.core.wsgibridge, where an ordinary answer crosses between
the event loop and its thread once each way; requests whose view is a coroutine function, and anything that
is not HTTP, go to the ASGI handler, where a long-lived stream holds no thread. The public CKAN API's paths go to
a WSGI handler with a shorter middleware chain (kaidan/core/stateless.py).

The WSGI handler also streams a StreamingHttpResponse with a sync iterator (exports, downloads) as it is
produced; Django's ASGI handler reads such an iterator to the end into a list before sending the first byte.
A streamed download (a whole dataset as CSV) holds one of the KAIDAN_WSGI_THREADS threads while it streams;
raise that number where many people download at once (more threads than requests in flight only add
switching: 4 measured best for pages on 2 cores).
"""

import asyncio
import os
import warnings
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, resolve

from kaidan.core.stateless import dispatching
from kaidan.core.wsgibridge import WSGIBridge

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
# WhiteNoise serves static files with a sync iterator; under ASGI Django warns on every file.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
asgi_application = get_asgi_application()  # sets Django up
wsgi_application = WSGIBridge(dispatching(get_wsgi_application()), workers=settings.WSGI_THREADS)


@lru_cache(maxsize=4096)
def is_async_view(path: str) -> bool:
    """Does the URL resolve to a coroutine-function view (only those need the ASGI handler)?"""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return asyncio.iscoroutinefunction(match.func)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        path = scope.get("path", "/")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if not is_async_view(path):
            await wsgi_application(scope, receive, send)  # type: ignore[arg-type]
            return
    await asgi_application(scope, receive, send)
