"""Background re-indexing of a big revision (a large import), run by `kaidan serve`'s worker (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from kaidan.catalog.models import Dataset

from . import index


@task()
def reindex_dataset_task(dataset_pk: int) -> int:
    dataset = Dataset.objects.filter(pk=dataset_pk).first()
    return index.reindex_dataset(dataset) if dataset is not None else 0
