"""Background work of the integration API (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def webhook_deliver(delivery_id: int) -> None:
    from jiuzhu.api import webhooks

    webhooks.deliver(delivery_id)


@task()
def webhooks_pump() -> None:
    from jiuzhu.api import webhooks

    webhooks.pump()
