"""Progress of a running import, kept in a small file beside the data.

The import itself runs in one database transaction, so progress written to the database would stay
invisible until the end; a file is seen at once by the web process that shows the progress bar.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings


def _path(job_id: str) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / f"{job_id}.json"


def write(job_id: str, done: int, total: int) -> None:
    path = _path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"done": done, "total": total, "at": time.time()}))
    tmp.replace(path)


def read(job_id: str) -> dict[str, Any]:
    try:
        return dict(json.loads(_path(job_id).read_text()))
    except (OSError, ValueError):
        return {"done": 0, "total": 0}


class Throttled:
    """A progress callback that writes at most about once a second."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= 1.0 or done >= total:
            self.last = now
            write(self.job_id, done, total)
