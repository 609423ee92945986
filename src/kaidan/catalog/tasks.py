"""Background work for the catalog: indexes created on demand for big datasets."""

from __future__ import annotations

from django_tasks import task

from kaidan.store import tables

from .models import Dataset


@task()
def index_columns(dataset_id: int, field_ids: list[int]) -> None:
    """Create (if missing) a grid index on each column (kaidan.store.tables.index_for_grid); a grid that
    filters, sorts or counts on them gets fast."""
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return
    for field in dataset.fields.filter(pk__in=field_ids):
        tables.index_for_grid(dataset, field)
    tables.analyze(dataset)
