"""Tables of the event feed's push side: webhook subscriptions and their deliveries.

They were created by the API app and keep its table names (`db_table`): moving them here changed no table
(docs/decisions.md, "Webhooks and the event feed are their own app").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WebhookSubscription(models.Model):
    """An outside system that wants the events of one organisation's jurisdiction pushed to it."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=12, db_index=True, help_text="the organisation's jurisdiction")
    name = models.CharField("名称", max_length=80)
    url = models.URLField("接收地址", max_length=500)
    secret_cipher = models.TextField(help_text="HMAC secret, encrypted at rest")
    event_types = models.JSONField("事件类型", default=list, blank=True, help_text="prefixes; empty = all")
    is_active = models.BooleanField("有效", default=True)
    last_event_id = models.BigIntegerField(default=0, help_text="events up to this id were fanned out")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "jiuzhu_api_webhooksubscription"
        verbose_name = "事件推送订阅"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    RETRYING = "retrying", "重试中"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "最终失败"


class WebhookDelivery(models.Model):
    """One event for one subscription, with its attempts (retried with backoff until delivered or given up)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField()
    event_type = models.CharField(max_length=80)
    area_code = models.CharField(max_length=12, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "jiuzhu_api_webhookdelivery"
        verbose_name = "事件推送记录"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}#{self.event_id} {self.status}"
