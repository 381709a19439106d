"""Tables of the API kit: idempotency keys and rate-limit counters (shared by every worker process)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` of one user: the request it was first used for and, once that request succeeded,
    its response, replayed to later requests with the same key and body until `expires_at`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="empty while running")
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "幂等键"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class RateCounter(models.Model):
    """A fixed-window request counter. Kept in the database so that every worker process shares it."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField(help_text="window start, seconds since the epoch")
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "访问频率计数"
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="ratecounter_key_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"
