"""Downloads counted per dataset and day, and the most used datasets of the last days.

CKAN counts page views (its tracking extension) to sort by popularity; Kaidan counts downloads, the use
that takes the data away, so that reading the grid or the API costs no write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from .models import Dataset, DatasetUse

RECENT_DAYS = 30


def count_download(dataset: Dataset) -> None:
    """One more download of the dataset today (in the ward's time zone). Two first downloads of a day at
    once: the second one's insert fails on the unique (dataset, day) and it adds to the first one's row."""
    day = timezone.localdate()
    mine = DatasetUse.objects.filter(dataset=dataset, day=day)
    with transaction.atomic():
        if mine.update(downloads=F("downloads") + 1):
            return
        try:
            with transaction.atomic():
                DatasetUse.objects.create(dataset=dataset, day=day, downloads=1)
        except IntegrityError:
            mine.update(downloads=F("downloads") + 1)


def most_used(datasets: Sequence[Dataset], limit: int, days: int = RECENT_DAYS) -> list[tuple[Dataset, int]]:
    """Of ``datasets`` (already those the reader may see), the most downloaded in the last ``days`` days
    with their downloads, most first; datasets not downloaded in that time are left out."""
    since = timezone.localdate() - timedelta(days=days - 1)
    counts = dict(
        DatasetUse.objects.filter(dataset_id__in=[d.pk for d in datasets], day__gte=since)
        .values("dataset_id")
        .annotate(n=Sum("downloads"))
        .values_list("dataset_id", "n")
    )
    used = sorted((d for d in datasets if counts.get(d.pk)), key=lambda d: (-counts[d.pk], d.title))
    return [(d, counts[d.pk]) for d in used[:limit]]
