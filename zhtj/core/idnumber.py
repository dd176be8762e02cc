"""身份证号码 (MEM-02): GB 11643 through python-stdnum, with Chinese messages."""

from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from stdnum.cn import ric

MESSAGES = {
    ric.InvalidLength: "身份证号码应为18位。",
    ric.InvalidFormat: "身份证号码格式不正确：前17位须为数字，最后一位为数字或X。",
    ric.InvalidChecksum: "身份证号码校验位不正确，请核对后重新输入。",
    ric.InvalidComponent: "身份证号码中的出生日期或地区码不正确。",
}


def normalize_id_number(value):
    """Return the canonical 18-character form (upper-case X) or raise ValidationError."""
    value = (value or "").strip().replace(" ", "").upper()
    if not value:
        raise ValidationError("请输入身份证号码。", code="required")
    canonical, message = _checked(value)
    if message:
        raise ValidationError(message, code="invalid")
    return canonical


@lru_cache(maxsize=100_000)
def _checked(value):
    """(canonical, None) or (None, message), python-stdnum's checks in its own order. An import
    checks each number in several places; the answer for a string never changes."""
    try:
        number = ric.compact(value)
        if len(number) != 18:
            raise ric.InvalidLength()
        if not number[:-1].isdigit():
            raise ric.InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise ric.InvalidChecksum()
        birth = ric.get_birth_date(number)
        if not _known_region(number[:6], birth.year):
            raise ric.InvalidComponent()
        return number, None
    except ric.ValidationError as exc:
        return None, MESSAGES.get(type(exc), "身份证号码不正确。")


@lru_cache(maxsize=20_000)
def _known_region(region, year):
    """python-stdnum's region look-up (~0.1 ms) once per region and birth year, not per person."""
    try:
        ric.get_birth_place(f"{region}{year}01010000")
    except ric.ValidationError:
        return False
    except (KeyError, ValueError):
        # python-stdnum fails this way on a province code with an unknown county (e.g. 659099):
        # still a bad region, not a server error
        return False
    return True


def validate_id_number(value):
    normalize_id_number(value)


def birth_date_of(id_number) -> date:
    """The birth date of a checked number (digits 7–14)."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number) -> str:
    """'M' or 'F': the 17th digit is odd for men."""
    return "M" if int(id_number[16]) % 2 else "F"


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """A valid number for demo data and tests: region code, birth date, 3-digit sequence."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def mask(value, keep_head=4, keep_tail=4):
    """3701**********1234 (SEC-03)."""
    if not value or len(value) <= keep_head + keep_tail:
        return value
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]
