"""SMS part counting (`smsgate._segments.analyze`): encodings, units and every part boundary."""

from __future__ import annotations

import dataclasses

import pytest

from smsgate._segments import Encoding, Segments, analyze

EXTENSION = "€[]{}^~\\|\f"


def test_empty_text_is_zero_parts() -> None:
    assert analyze("") == Segments(Encoding.GSM7, units=0, parts=0, characters=0)


def test_segments_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        analyze("a").parts = 3  # type: ignore[misc]


def test_encoding_values() -> None:
    assert str(Encoding.GSM7) == Encoding.GSM7.value == "GSM-7"
    assert str(Encoding.UCS2) == Encoding.UCS2.value == "UCS-2"


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_boundaries(length: int, parts: int) -> None:
    seg = analyze("a" * length)
    assert seg == Segments(Encoding.GSM7, units=length, parts=parts, characters=length)


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (402, 6), (403, 7)],
)
def test_ucs2_boundaries_cyrillic(length: int, parts: int) -> None:
    seg = analyze("ж" * length)
    assert seg == Segments(Encoding.UCS2, units=length, parts=parts, characters=length)


@pytest.mark.parametrize("char", list(EXTENSION))
def test_extension_characters_take_two_septets(char: str) -> None:
    seg = analyze(char)
    assert (seg.encoding, seg.units, seg.parts, seg.characters) == (Encoding.GSM7, 2, 1, 1)


def test_extension_character_at_the_single_part_boundary() -> None:
    assert analyze("a" * 158 + "€").parts == 1  # 160 septets
    assert analyze("a" * 159 + "€").parts == 2  # 161 septets
    assert analyze("a" * 159 + "€").units == 161


def test_extension_character_is_not_split_across_parts() -> None:
    # 152 + 2 + 152 = 306 septets: ceil(306/153) would say 2, but the escape cannot end part one, so the
    # first part carries 152 septets and the rest (154) needs two more.
    text = "a" * 152 + "€" + "a" * 152
    seg = analyze(text)
    assert seg.units == 306
    assert seg.parts == 3
    # Shifted by one, the € fits at the end of part one: exactly two parts.
    assert analyze("a" * 151 + "€" + "a" * 153).parts == 2


def test_emoji_counts_two_utf16_units() -> None:
    seg = analyze("😀")
    assert (seg.encoding, seg.units, seg.parts, seg.characters) == (Encoding.UCS2, 2, 1, 1)
    assert analyze("😀" * 35).parts == 1  # 70 units
    assert analyze("😀" * 35 + "a").parts == 2  # 71 units


def test_surrogate_pair_is_not_split_across_parts() -> None:
    # 66 + 2 + 66 = 134 units: ceil says 2, but the pair cannot straddle the 67-unit boundary.
    assert analyze("ж" * 66 + "😀" + "ж" * 66).parts == 3
    assert analyze("ж" * 65 + "😀" + "ж" * 67).parts == 2


def test_one_non_gsm_character_makes_the_whole_text_ucs2() -> None:
    seg = analyze("a" * 100 + "ж")
    assert seg.encoding is Encoding.UCS2
    assert (seg.units, seg.parts) == (101, 2)


def test_cyrillic_and_hebrew() -> None:
    assert analyze("Тестовое сообщение.") == Segments(Encoding.UCS2, 19, 1, 19)
    assert analyze("שלום עולם") == Segments(Encoding.UCS2, 9, 1, 9)


@pytest.mark.parametrize(
    "text",
    [
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ",
        " !\"#¤%&'()*+,-./0123456789:;<=>?",
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
    ],
)
def test_basic_alphabet_is_gsm7_one_septet_each(text: str) -> None:
    seg = analyze(text)
    assert seg.encoding is Encoding.GSM7
    assert seg.units == len(text)


@pytest.mark.parametrize(
    "char",
    [
        "ç",  # only the capital Ç is at 0x09
        "\x1b",  # the escape septet itself carries no character
        "Α",  # GREEK CAPITAL ALPHA, looks like A
        "Β",  # GREEK CAPITAL BETA
        "\u00a0",  # no-break space
        "’",  # typographic apostrophe
        "“",
        "`",
        "\t",
        "á",
        "ё",
        "€\u0301",  # a combining mark
    ],
)
def test_look_alikes_and_strays_are_not_gsm7(char: str) -> None:
    assert analyze(char).encoding is Encoding.UCS2


def test_long_text_is_linear() -> None:
    seg = analyze("€" * 200_000)
    assert seg.units == 400_000
    assert seg.parts == 400_000 // 152 + 1  # 76 escapes per part: 152 septets, never 153


@pytest.mark.parametrize(
    "text", ["Hello", "Привет", "€" * 80, "a" * 1600, "a" * 1601, "emoji \U0001f600 " * 30, "", "x\u2028y"]
)
def test_a_text_analysed_again_is_not_counted_again(text: str) -> None:
    """A campaign sends one text in request after request: up to 1,600 characters, its analysis is kept (the
    same frozen `Segments`), and equal to counting it afresh; a longer text is counted each time."""
    from smsgate._segments import _analyze

    first, again = analyze(text), analyze(text)
    assert first == again == _analyze(text)
    assert (first is again) is (len(text) <= 1600)
