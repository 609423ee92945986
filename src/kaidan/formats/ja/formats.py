"""Django's Japanese formats (2026年12月1日), with a space before the time (2026年12月1日 9:05)."""

from django.conf.locale.ja.formats import *  # noqa: F403

DATETIME_FORMAT = "Y年n月j日 G:i"
