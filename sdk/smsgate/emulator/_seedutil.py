"""Reading the seed sections of the four providers: the checks they share, with the same messages.

Each reader takes ``where`` (the place in the seed, e.g. ``"letsads.accounts[0].balance"``, which starts
the message) and the raw value from JSON or TOML, and returns it typed or raises `ValueError`. What only
one provider asks of a value (SMSClub's tokens without spaces, SMSLeads' Israeli numbers…) stays in its
module.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "format_money",
    "fresh_copy",
    "read_currency_code",
    "read_decimal",
    "read_flag",
    "read_last_digits",
    "read_list",
    "read_nonempty",
    "read_positive",
    "read_strings",
    "read_table",
    "repeated",
]

#: Two decimals: how LetsAds and SMSC show amounts.
_CENT: Final = Decimal("0.01")

_D = TypeVar("_D", bound="DataclassInstance")


def format_money(value: Decimal, quantum: Decimal = _CENT) -> str:
    """`value` rounded to `quantum` (default two decimals), as the state output and the replies show it."""
    return str(value.quantize(quantum))


def read_table(where: str, raw: object, shape: type) -> dict[str, object]:
    """A table/object whose keys are all keys of the TypedDict `shape`."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a table/object, not {type(raw).__name__}")
    known = frozenset(shape.__annotations__)
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; known: {sorted(known)}")
    return {str(key): value for key, value in raw.items()}


def read_decimal(where: str, value: object, *, negative: bool = False) -> Decimal:
    """A finite amount: a decimal string (numbers are accepted too), >= 0 unless `negative`."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{where} must be a decimal string, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where} must be a decimal string, not {value!r}") from None
    if not number.is_finite() or (number < 0 and not negative):
        raise ValueError(f"{where} must be a finite amount >= 0, not {value!r}")
    return number


def read_nonempty(where: str, value: object, *, blank: bool = False) -> str:
    """A non-empty string, returned as it is; `blank`: white space alone counts as non-empty."""
    if not isinstance(value, str) or not (value if blank else value.strip()):
        raise ValueError(f"{where} must be a non-empty string")
    return value


def read_flag(where: str, value: object) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false")
    return value


def read_positive(where: str, value: object) -> int:
    """An integer >= 1 (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where} must be a positive integer")
    return value


def read_list(where: str, value: object) -> list[object]:
    """A list (a new one)."""
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list")
    return list(value)


def read_strings(where: str, value: object, *, nonempty: bool = False) -> list[str]:
    """A list of strings (a new one); `nonempty`: none of them empty."""
    if not isinstance(value, list) or not all(isinstance(item, str) and (item or not nonempty) for item in value):
        raise ValueError(f"{where} must be a list of {'non-empty ' if nonempty else ''}strings")
    return list(value)


def read_last_digits(where: str, value: object) -> str:
    """A string of ASCII digits (possibly empty): the recipients' last digits that end undelivered."""
    if not isinstance(value, str) or not all(char in "0123456789" for char in value):
        raise ValueError(f'{where} must be a string of digits, e.g. "9"')
    return value


def read_currency_code(where: str, value: object, example: str) -> str:
    """Three capital letters; `example` is the code the message shows."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"{where} must be a three-letter code such as {example}")
    return value


def repeated(values: Iterable[str]) -> list[str]:
    """The values that occur more than once, sorted."""
    seen: set[str] = set()
    twice: set[str] = set()
    for value in values:
        (twice if value in seen else seen).add(value)
    return sorted(twice)


def fresh_copy(instance: _D) -> _D:
    """A copy of a seed's dataclass whose lists, sets and dicts are new, so that changing one never changes
    the other (how a provider's `reset` takes its accounts from the seed)."""
    containers = {
        spec.name: copy.copy(value)
        for spec in fields(instance)
        if isinstance(value := getattr(instance, spec.name), list | set | dict)
    }
    return replace(instance, **containers)
