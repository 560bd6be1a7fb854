"""Argument converters and checks named by the provider manifests. I/O-free; each raises `ValidationError`."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from ._exceptions import ValidationError

__all__ = [
    "check_region",
    "datetime_ddmmyy_hhmm",
    "default_region",
    "phone_international",
    "phone_israel_local",
    "phones_international",
    "phones_israel_local",
    "positive_int",
]

_SEPARATORS = str.maketrans("", "", " -().\u00a0")

#: Numbers already in a converter's output form (its fixed points: converting one again gives it back). A
#: Gateway normalises each recipient once and hands the result to its client, whose converter finds it here
#: and does not parse it a second time. Bounded: emptied when full.
_INTERNATIONAL: dict[str, None] = {}
_ISRAEL_LOCAL: dict[str, None] = {}
_MAX_KNOWN = 16384
_STR_ONLY = frozenset({str})


def _known(table: dict[str, None], value: str) -> str:
    if len(table) >= _MAX_KNOWN:
        table.clear()
    table[value] = None
    return value


def _compact(value: str, field: str) -> tuple[str, str]:
    """A number without separators (``00`` read as ``+``), and its digits without the ``+``."""
    if type(value) is str and value[:1] == "+":  # E.164 as given (the usual case): nothing to strip
        digits = value[1:]
        if digits.isdigit() and digits.isascii():
            return value, digits
    if not isinstance(value, str):
        raise ValidationError(f"{field}: expected a phone number string, got {type(value).__name__}", field=field)
    compact = value.strip().translate(_SEPARATORS)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact.removeprefix("+")
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(f"{field}: {value!r} is not a phone number", field=field)
    return compact, digits


def _each(values: Iterable[str], field: str, convert: Callable[..., str], known: dict[str, None]) -> list[str]:
    """`convert` on every number; a lone string is refused (it would iterate its characters). Numbers already
    in `convert`'s output form (`known`: a Gateway normalised them) are taken as they are."""
    if isinstance(values, str | bytes):
        raise ValidationError(f"{field}: expected a sequence of phone numbers, not a single string", field=field)
    items = list(values)
    if set(map(type, items)) <= _STR_ONLY and known.keys() >= set(items):
        return items  # all normalised already: checked by C loops, no bytecode per number
    return [v if type(v) is str and v in known else convert(v, field=f"{field}[{i}]") for i, v in enumerate(items)]


#: The region national numbers are read in, for the calls of a client or Gateway given `default_region=`.
_REGION: contextvars.ContextVar[str | None] = contextvars.ContextVar("smsgate_default_region", default=None)


def check_region(region: str | None) -> str | None:
    """A `default_region=` argument: None, or a region code `phonenumbers` knows (``"UA"``), upper-cased."""
    if region is None:
        return None
    if not isinstance(region, str):
        raise TypeError(f"default_region must be a region code such as 'UA', not {type(region).__name__}")
    import phonenumbers

    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"default_region: {region!r} is not a region code (ISO 3166, e.g. 'UA')")
    return code


@contextlib.contextmanager
def default_region(region: str | None) -> Iterator[None]:
    """National numbers converted inside the block are read in `region` (None: refused, as without it)."""
    token = _REGION.set(region)
    try:
        yield
    finally:
        _REGION.reset(token)


def phone_international(value: str, *, field: str = "phone") -> str:
    """A phone number as international digits without '+' (``380501234567``).

    Accepts E.164 (``+380501234567``), international digits, ``00``-prefixed numbers and the usual
    separators (spaces, dashes, dots, parentheses). The number must be a possible number of its
    country according to `phonenumbers`. A national number (``0501234567``) is read in the
    ``default_region`` of the client or Gateway converting it, and refused when there is none.
    """
    if type(value) is str:
        if value in _INTERNATIONAL:
            return value  # this converter's own output (a Gateway normalised it): no second parse
        if value[:1] == "+":  # "+<digits>" of a shape phonenumbers took unchanged: the usual case, read here
            digits = value[1:]  # without `_compact`'s checks or the region's lookup
            if digits.isdigit() and digits.isascii() and _unchanged_international(digits):
                return _known(_INTERNATIONAL, digits)
    compact, digits = _compact(value, field)
    region = _REGION.get()
    if region is not None and not compact.startswith("+"):
        national = _national_digits(digits, region)
        if national is not None:
            return _known(_INTERNATIONAL, national)
    if digits.startswith("0"):
        hint = (
            f"it is not a valid number of {region}"
            if region is not None
            else "give it with its country code (+380…) or pass default_region= (e.g. 'UA') to the client or Gateway"
        )
        raise ValidationError(f"{field}: {value!r} looks like a national number; {hint}", field=field)
    if _unchanged_international(digits):
        return _known(_INTERNATIONAL, digits)
    normalized, problem = _international_digits(digits)
    if normalized == digits:
        _learn_unchanged(digits)
    if normalized is None:
        raise ValidationError(f"{field}: {value!r} {problem}", field=field)
    return _known(_INTERNATIONAL, normalized)


#: (country code, length of the national number) -> numbers of that shape come back from `phonenumbers`
#: unchanged. For a national number that neither starts with 0 nor with the country's national prefix,
#: `phonenumbers.parse` + `is_possible_number` + E.164 depend on nothing but the country code and the
#: length (the possible lengths of the country); so once `phonenumbers` has accepted one number of a shape
#: unchanged, the others of that shape are accepted without parsing (~1 µs instead of ~16 µs: the parse
#: was the largest CPU cost of a bulk send). Anything else, refusals included, goes through `phonenumbers`.
#: tests/sdk/test_fastpath_phones.py sweeps every country code and length against it.
_UNCHANGED: set[tuple[str, int]] = set()
_COUNTRY_CODES: frozenset[str] = frozenset()
#: up to three leading digits -> the country code they start with ("" for none) and the `match` of that
#: country's national prefix, or None where no national number that does not start with 0 can start with it
#: (at most 1,000 entries, filled on first use)
_HEAD: dict[str, tuple[str, Callable[[str], object] | None]] = {}


def _shape(digits: str) -> tuple[str, int] | None:
    """(country code, national length) of international digits whose national part starts with neither 0
    nor the country's national prefix; None for any other number (those always go through phonenumbers)."""
    if not _COUNTRY_CODES or digits[:1] == "0":
        return None
    head = digits[:3]
    try:
        code, prefixed = _HEAD[head]
    except KeyError:
        code, prefixed = _HEAD[head] = _head(head)
    if not code:
        return None
    national = digits[len(code) :]
    if not national or national[0] == "0" or (prefixed is not None and prefixed(national)):
        return None
    return code, len(national)


def _head(head: str) -> tuple[str, Callable[[str], object] | None]:
    """The country code `head` starts with (the first of its 1, 2, 3 leading digits that is one, "" for none)
    and the `match` of that country's national prefix (None when the country has none, or when it is a plain
    0: `_shape` has already set aside the national numbers that start with 0)."""
    code = next((head[:size] for size in (1, 2, 3) if head[:size] in _COUNTRY_CODES), "")
    if not code:
        return "", None
    prefix = _national_prefix(int(code))
    return code, None if prefix is None or prefix.pattern == "0" else prefix.match


def _national_prefix(code: int) -> re.Pattern[str] | None:
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        code, phonenumbers.region_code_for_country_code(code)
    )
    pattern = None if metadata is None else metadata.national_prefix_for_parsing
    return re.compile(pattern) if pattern else None


def _unchanged_international(digits: str) -> bool:
    """Whether `phonenumbers` is known to accept these international digits as they are (see `_UNCHANGED`)."""
    shape = _shape(digits) if _UNCHANGED else None
    return shape is not None and shape in _UNCHANGED


def _learn_unchanged(digits: str) -> None:
    """`phonenumbers` accepted `digits` unchanged: remember the shape (see `_UNCHANGED`)."""
    global _COUNTRY_CODES
    if not _COUNTRY_CODES:
        import phonenumbers

        _COUNTRY_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    shape = _shape(digits)
    if shape is not None:
        _UNCHANGED.add(shape)


@functools.lru_cache(maxsize=8192)
def _international_digits(digits: str) -> tuple[str | None, str]:
    """(E.164 digits, "") or (None, why not). Cached by the digits: a Gateway normalises a number and the
    client it drives checks it again, and `phonenumbers` parsing is the dominant CPU cost of a bulk send."""
    import phonenumbers  # on first use: ~15-25 ms a process that only builds clients does not pay

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException as exc:
        return None, f"is not a phone number ({exc})"
    if not phonenumbers.is_possible_number(number):
        return None, "is not a possible international number (country code and length)"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+"), ""


@functools.lru_cache(maxsize=8192)
def _national_digits(digits: str, region: str) -> str | None:
    """E.164 digits of a valid number of `region` written nationally (``0501234567``, ``8 999 123-45-67``)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")


def phones_international(values: Iterable[str], *, field: str = "recipients") -> list[str]:
    """Every number through `phone_international`; a lone string is refused (it would iterate chars)."""
    return _each(values, field, phone_international, _INTERNATIONAL)


def positive_int(value: int | str, *, field: str = "id") -> int:
    """A positive integer id given as int or digit string."""
    if isinstance(value, bool):
        raise ValidationError(f"{field}: expected an integer id", field=field)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise ValidationError(f"{field}: {value!r} is not a numeric id", field=field)
        value = int(value.strip())
    if not isinstance(value, int) or value < 1:
        raise ValidationError(f"{field}: {value!r} is not a positive integer id", field=field)
    return value


_IL = "IL"


def phone_israel_local(value: str, *, field: str = "phone") -> str:
    """An Israeli number in the local form SMSLeads expects (``0501234567``).

    Accepts E.164 (``+972501234567``), ``972501234567``, ``0501234567``, ``501234567`` and the usual
    separators; the number must be a valid Israeli number according to `phonenumbers` (mobile or landline).
    """
    if type(value) is str and value in _ISRAEL_LOCAL:
        return value  # this converter's own output (a Gateway normalised it): no second parse
    compact, digits = _compact(value, field)
    if compact.startswith("+") or digits.startswith("972"):
        text = "+" + digits
    elif digits.startswith("0"):
        text = digits
    else:
        text = "0" + digits
    local, problem = _israel_local(text)
    if local is None:
        raise ValidationError(f"{field}: {value!r} {problem}", field=field)
    return _known(_ISRAEL_LOCAL, local)


@functools.lru_cache(maxsize=8192)
def _israel_local(text: str) -> tuple[str | None, str]:
    """(local form, "") or (None, why not); cached like `_international_digits`."""
    import phonenumbers  # on first use: ~15-25 ms a process that only builds clients does not pay

    try:
        number = phonenumbers.parse(text, _IL)
    except phonenumbers.NumberParseException as exc:
        return None, f"is not a phone number ({exc})"
    if number.country_code != 972 or not phonenumbers.is_valid_number(number):
        return None, "is not a valid Israeli phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).translate(_SEPARATORS), ""


def phones_israel_local(values: Iterable[str], *, field: str = "phones") -> list[str]:
    """Every number through `phone_israel_local`; a lone string is refused."""
    return _each(values, field, phone_israel_local, _ISRAEL_LOCAL)


def datetime_ddmmyy_hhmm(value: datetime, *, field: str = "when") -> str:
    """A datetime in the ``dd/mm/yy hh:mm`` form of SMSLeads (naive: taken as the provider's local time)."""
    if not isinstance(value, datetime):
        raise ValidationError(f"{field}: expected a datetime, got {type(value).__name__}", field=field)
    return value.strftime("%d/%m/%y %H:%M")
