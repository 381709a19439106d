"""Every encrypted column and sealed file directory of the product, for the key checks, status and rotation.

Named by label (no imports upward); tests check that every `*_cipher` column of every model is listed and that
the purposes match the apps' own constants.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class Column:
    model: str  # app_label.ModelName
    cipher: str
    purpose: str
    index: str = ""  # the blind index column kept with it, if any

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def table(self) -> str:
        return self.model_class()._meta.db_table


COLUMNS: tuple[Column, ...] = (
    Column("registry.Member", "id_cipher", "id_number", "id_index"),
    Column("registry.NearRelative", "relative_id_cipher", "id_number", "relative_id_index"),
    Column("benefits.Enrolment", "account_cipher", "bank_account", "account_index"),
    Column("payments.LedgerEntry", "account_cipher", "bank_account"),
    Column("events.WebhookSubscription", "secret_cipher", "webhook_secret"),
    Column("orgs.SecondFactor", "secret_cipher", "totp_secret"),
)


# Storage directories written through `jiuzhu.core.crypto.sealed.sealed_storage` (bank files, import uploads,
# the workbooks of their bad rows, household archive bundles): every file there is sealed, re-sealed by
# `crypto_rotate`, and deleted with its record or, named by none, after a day (core.retention).
SEALED_DIRS: tuple[str, ...] = ("jobs", "bankfiles", "archives")
