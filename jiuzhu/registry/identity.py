"""ID numbers in the registry: stored encrypted (the configured suite, core.crypto), found through a blind index (HMAC) and shown
masked. Every place that stores or looks up a person's number goes through these."""

from __future__ import annotations

from collections.abc import Sequence

from jiuzhu.core import crypto, idnumber
from jiuzhu.core.masking import mask_id_number

ID_PURPOSE = "id_number"


def id_fields(number: str) -> dict[str, str]:
    """Cipher text, blind index and mask of an ID number (AEAD at rest, keyed MAC for lookups)."""
    normal = idnumber.normalise(number)
    return {
        "id_cipher": crypto.encrypt(normal, purpose=ID_PURPOSE),
        "id_index": crypto.blind_index(normal, purpose=ID_PURPOSE),
        "id_masked": mask_id_number(normal),
    }


def id_index_of(number: str) -> str:
    """The index under the current key set: what is stored with a new or changed number."""
    return crypto.blind_index(idnumber.normalise(number), purpose=ID_PURPOSE)


def id_indexes_of(number: str) -> list[str]:
    """For lookups: the index under every configured key set, so a search finds rows a key rotation has not
    reached yet."""
    return crypto.blind_indexes(idnumber.normalise(number), purpose=ID_PURPOSE)


def id_indexes_many(numbers: Sequence[str]) -> list[list[str]]:
    """For bulk lookups (a department's file): per configured key set, current first, the index of each
    number in order. The numbers are already normalised (`idnumber.normalise`, as a checked row holds them)."""
    return crypto.blind_indexes_many(numbers, purpose=ID_PURPOSE, normalised=True)
