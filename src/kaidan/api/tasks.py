"""Background delivery of webhooks (django-tasks, run by `kaidan serve`'s worker)."""

from __future__ import annotations

from django_tasks import task

from . import webhooks


@task()
def deliver_task(delivery_pk: int) -> str:
    delivery = webhooks.deliver(delivery_pk)
    return delivery.status if delivery is not None else "not due"
