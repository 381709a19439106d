"""ID numbers (GB 11643), field encryption with a blind index, masking."""

from datetime import date

import pytest

from jiuzhu.core import crypto, idnumber
from jiuzhu.core.errors import ValidationFailed
from jiuzhu.core.masking import mask_bank_account, mask_id_number, mask_name
from jiuzhu.core.money import to_yuan

VALID = idnumber.make("23050219800101123")


def test_check_digit_birth_and_sex():
    info = idnumber.parse(VALID)
    assert info.birth_date == date(1980, 1, 1)
    assert info.sex == "M"
    assert idnumber.parse("11010519491231002X").sex == "F"


@pytest.mark.parametrize(
    "bad",
    [
        "2305021980010112",
        VALID[:-1] + ("0" if VALID[-1] != "0" else "1"),
        "230502198013011234",
        "23050219800101123Y",
    ],
)
def test_bad_numbers_have_chinese_reasons(bad):
    with pytest.raises(ValidationFailed) as exc:
        idnumber.parse(bad)
    assert "身份证号" in exc.value.message


def test_future_birth_date_is_refused():
    with pytest.raises(ValidationFailed):
        idnumber.parse(idnumber.make("23050220271201123"))


def test_encryption_round_trip_and_blind_index():
    token = crypto.encrypt(VALID, purpose="id")
    assert VALID not in token
    assert crypto.decrypt(token, purpose="id") == VALID
    assert crypto.encrypt(VALID, purpose="id") != token  # random nonce
    assert crypto.blind_index(VALID.lower(), purpose="id") == crypto.blind_index(VALID, purpose="id")
    assert crypto.blind_index(VALID, purpose="bank") != crypto.blind_index(VALID, purpose="id")
    with pytest.raises(Exception):  # noqa: B017 - authenticated encryption refuses a wrong purpose
        crypto.decrypt(token, purpose="bank")


def test_masks():
    assert mask_id_number("230502198001011234") == "230502********1234"
    assert mask_bank_account("6217000012345678901") == "6217 **** **** 8901"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


@pytest.mark.parametrize("bad", ["-1", "12.345", "abc", "1e400"])
def test_money_refuses_bad_amounts(bad):
    with pytest.raises(ValidationFailed):
        to_yuan(bad)


def test_check_character_is_the_weighted_sum_of_the_standard():
    """The check character computed in one step equals GB 11643's weighted sum modulo 11, digit by digit."""
    import random

    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    rng = random.Random(11643)
    for first17 in ["0" * 17, "9" * 17, *("".join(rng.choices("0123456789", k=17)) for _ in range(20_000))]:
        expected = "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
        assert idnumber.check_character(first17) == expected
    with pytest.raises(ValueError):
        idnumber.check_character("2305021980010112")
    # Digits of other scripts are digits to Python, never to the standard.
    arabic = "٢٣٠٥٠٢١٩٨٠٠١٠١١٢٣"
    with pytest.raises(ValidationFailed):
        idnumber.parse(arabic + "4")
    assert idnumber.problem(" ".join(VALID), date(2026, 11, 20)) is not None  # unnormalised: refused
    assert idnumber.problem(idnumber.normalise(" ".join(VALID).lower()), date(2026, 11, 20)) is None
