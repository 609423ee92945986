"""Background work for the store: the columnar file of a big dataset's new revision."""

from __future__ import annotations

from django_tasks import task

from . import columnar


@task()
def build_columnar(dataset_id: int) -> None:
    """Write the dataset's current revision as a columnar file (kaidan.store.columnar), so the first chart
    or SQL query after a write does not read the whole table."""
    columnar.build(dataset_id)
