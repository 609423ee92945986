"""When a schedule runs: every hour at a minute, every day at a time, or on weekdays (Monday to Friday) at
a time — the nightly drop of a business system. Times are the site's local time (TIME_ZONE, Asia/Tokyo).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    HOURLY = "hourly", _("Every hour")
    DAILY = "daily", _("Every day")
    WEEKDAYS = "weekdays", _("Monday to Friday")


def next_run(cadence: str, *, hour: int, minute: int, after: datetime.datetime) -> datetime.datetime:
    """The first time strictly after `after` at which the schedule is due (aware, in the site's zone)."""
    local = timezone.localtime(after, timezone.get_default_timezone())
    if cadence == Cadence.HOURLY:
        candidate = local.replace(minute=minute, second=0, microsecond=0)
        if candidate <= local:
            candidate += datetime.timedelta(hours=1)
        return candidate
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += datetime.timedelta(days=1)
    if cadence == Cadence.WEEKDAYS:
        while candidate.weekday() >= 5:  # Saturday, Sunday
            candidate += datetime.timedelta(days=1)
    return candidate
