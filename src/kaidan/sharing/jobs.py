"""The periodic release loop that `kaidan serve` runs in a background thread."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from .services import release_due

log = logging.getLogger(__name__)


def run_release_loop(stop: threading.Event, interval: float = 60.0) -> None:
    """Call release_due() now and then every `interval` seconds until `stop` is set; errors are logged."""
    while not stop.is_set():
        try:
            close_old_connections()
            release_due()
        except Exception:  # the loop must survive a database hiccup
            log.exception("release_due failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def start_release_loop(interval: float = 60.0) -> threading.Event:
    """Start the loop in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=run_release_loop, args=(stop, interval), name="kaidan-release-due", daemon=True
    ).start()
    return stop
