"""How many SMS parts a text takes, and in which encoding.

Written once and used by both sides: the SDK (validation and cost estimates before sending) and the emulator
(charging and the providers' length limits), so the two can never disagree.

The rules, as in 3GPP TS 23.038 / 23.040 and as phones and SMS centres apply them:

* A text is sent as **GSM-7** when every character is in the GSM 03.38 default alphabet or its extension
  table; otherwise the whole text is sent as **UCS-2** (UTF-16).
* GSM-7 units are septets. The extension-table characters ``€ [ ] { } ^ ~ \\ |`` and form feed take two
  (an escape septet plus the character).
* UCS-2 units are UTF-16 code units: a character outside the Basic Multilingual Plane (an emoji) takes two.
* One part holds 160 septets or 70 UTF-16 units. A longer text is split into concatenated parts whose user
  data header leaves 153 septets or 67 UTF-16 units each.
* A two-unit character is never split across two parts (an escape septet stays with its character, a
  surrogate pair stays together), so a part may hold one unit less than its capacity; phones split texts
  this way (e.g. Android's ``SmsMessage.fragmentText``). The result equals ``ceil(units / 153)``
  (``ceil(units / 67)``) except when a two-unit character would straddle a part boundary, where it can be
  one part more.
* The empty text takes zero parts.

The alphabet comes from the ``gsm0338`` codec (Unicode's GSM0338 mapping), with two corrections kept here
on purpose:

* ``ESC`` (U+001B) is refused: the codec maps it to septet 0x1B, but that septet is the escape to the
  extension table and cannot carry a literal character.
* Septet 0x09 is ``Ç`` (U+00C7) as in the standard's table and Unicode's mapping, so a lowercase ``ç`` is
  not GSM-7 and makes the text UCS-2. Some gateways fold ``ç`` into 0x09; counting it as UCS-2 can only
  over-estimate the parts, never under-estimate them. Likewise no look-alike folding is done: Greek
  capitals that look Latin (``Α``, ``Β``…), typographic quotes and non-breaking spaces are not GSM-7.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

import gsm0338  # noqa: F401  (importing it registers the "gsm03.38" codec)

__all__ = [
    "GSM7_MULTI_PART_UNITS",
    "GSM7_SINGLE_PART_UNITS",
    "UCS2_MULTI_PART_UNITS",
    "UCS2_SINGLE_PART_UNITS",
    "Encoding",
    "Segments",
    "analyze",
]

#: Septets in a single-part GSM-7 message.
GSM7_SINGLE_PART_UNITS = 160
#: Septets in each part of a concatenated GSM-7 message.
GSM7_MULTI_PART_UNITS = 153
#: UTF-16 code units in a single-part UCS-2 message.
UCS2_SINGLE_PART_UNITS = 70
#: UTF-16 code units in each part of a concatenated UCS-2 message.
UCS2_MULTI_PART_UNITS = 67

_CODEC = "gsm03.38"
_ESCAPE = "\x1b"


class Encoding(StrEnum):
    """The encoding a text is sent in."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class Segments:
    """The result of `analyze`.

    Attributes:
        encoding: GSM-7 when every character is in the GSM 03.38 alphabet (or its extension), else UCS-2.
        units: GSM-7 septets (extension characters count 2) or UTF-16 code units (an emoji counts 2).
        parts: SMS parts the text is split into; 0 for the empty text.
        characters: ``len(text)``, i.e. Unicode code points.
    """

    encoding: Encoding
    units: int
    parts: int
    characters: int


@functools.lru_cache(maxsize=4096)
def _septets(char: str) -> int:
    """Septets `char` takes in GSM-7 (1 or 2), or 0 when it is not in the GSM 03.38 alphabet."""
    if char == _ESCAPE:
        return 0
    try:
        return len(char.encode(_CODEC))
    except UnicodeEncodeError:
        return 0


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _count_parts(sizes: list[int], units: int, single: int, multi: int) -> int:
    """Parts for characters of the given unit sizes, never splitting a two-unit character."""
    if units == 0:
        return 0
    if units <= single:
        return 1
    if all(size == 1 for size in sizes):
        return -(-units // multi)
    parts, used = 1, 0
    for size in sizes:
        if used + size > multi:
            parts += 1
            used = 0
        used += size
    return parts


def analyze(text: str) -> Segments:
    """Return the encoding, units and SMS parts of `text` (see the module docstring for the rules).

    >>> analyze("Hello")
    Segments(encoding=<Encoding.GSM7: 'GSM-7'>, units=5, parts=1, characters=5)
    >>> analyze("Привет").encoding
    <Encoding.UCS2: 'UCS-2'>
    """
    if type(text) is str and len(text) <= _CACHED_LENGTH:
        return _analyzed(text)
    return _analyze(text)


#: Texts up to this long (an SMS of ten parts and more) are analysed once per process: a campaign sends one text
#: in request after request, and every send analyses it twice (the Gateway's report, the provider's check):
#: ~11 µs each for 140 characters.
_CACHED_LENGTH = 1600


@functools.lru_cache(maxsize=128)
def _analyzed(text: str) -> Segments:
    return _analyze(text)  # (`Segments` is frozen: one result can be shared)


def _analyze(text: str) -> Segments:
    septets = [_septets(char) for char in text]
    if all(septets):
        units = sum(septets)
        parts = _count_parts(septets, units, GSM7_SINGLE_PART_UNITS, GSM7_MULTI_PART_UNITS)
        return Segments(Encoding.GSM7, units, parts, len(text))
    sizes = [_utf16_units(char) for char in text]
    units = sum(sizes)
    parts = _count_parts(sizes, units, UCS2_SINGLE_PART_UNITS, UCS2_MULTI_PART_UNITS)
    return Segments(Encoding.UCS2, units, parts, len(text))
