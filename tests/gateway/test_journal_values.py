"""The SQLite journal records exactly what it is given: every combination of present and absent values in a
settlement, texts present or absent at loading, and any number as a string (the chunks a JSON array carries
and the ones inserted row by row), read back through the journal and through another connection. An absent
value is recorded as NULL — it never keeps what an earlier attempt left in the row."""

from __future__ import annotations

import itertools
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate._journal import JournalRow, Owner, Settlement, SqliteJournal

from .journals import held_journal

_FIELDS = ("phone", "message_id", "code", "reason", "detail")


def _table(path: Path) -> dict[int, tuple[object, ...]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT seq, recipient, text, state, phone, message_id, code, reason, detail FROM recipients")
        return {int(row[0]): tuple(row[1:]) for row in rows}


def _settlement(seq: int, state: str, present: tuple[bool, ...]) -> Settlement:
    values = (f"{field}-{seq}" if on else None for field, on in zip(_FIELDS, present, strict=True))
    phone, mid, code, reason, detail = values
    return (seq, state, phone, mid, code, reason, detail)


def test_every_combination_of_present_and_absent_values_is_recorded_as_given(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    patterns = list(itertools.product((True, False), repeat=len(_FIELDS)))  # 32
    n = 4 * len(patterns)
    journal = held_journal(path)
    # Texts: absent (the campaign's), present, and an empty one (present, not absent), in runs of 40 (a
    # request carries one text) that change inside the chunks loaded.
    texts = {i: (None, f"own {i // 40}", "")[i // 40 % 3] for i in range(n)}
    assert journal.add(((i, f"+38050{i:07d}", texts[i]) for i in range(n)), chunk=7) == n
    assert {seq: row[:2] for seq, row in _table(path).items()} == {i: (f"+38050{i:07d}", texts[i]) for i in range(n)}

    # First attempt: every row settled with every value present (an earlier attempt's leftovers).
    first: dict[int, Settlement] = {}
    claim = journal.claim(n)
    while claim is not None:
        settled = [_settlement(r.seq, "unknown", (True,) * len(_FIELDS)) for r in claim.rows]
        first.update((s[0], s) for s in settled)
        journal.settle(settled)
        claim = journal.claim(n)
    assert len(first) == n
    assert journal.retry(["unknown"]) == n

    # Second attempt: one batch mixes all 32 patterns and several states; the next batches hold one pattern
    # each, so that a batch of one kind and a batch of many are both seen.
    expected: dict[int, Settlement] = {}
    states = itertools.cycle(["accepted", "rejected", "failed", "unknown"])
    claim = journal.claim(len(patterns))
    assert claim is not None
    mixed = [_settlement(r.seq, next(states), p) for r, p in zip(claim.rows, patterns, strict=True)]
    expected.update((s[0], s) for s in mixed)
    claim = journal.settle_and_claim(mixed, 50)
    k = 0
    while claim is not None:
        same = [_settlement(r.seq, "accepted", patterns[k % len(patterns)]) for r in claim.rows]
        expected.update((s[0], s) for s in same)
        claim = journal.settle_and_claim(same, 50)
        k += 1
    assert len(expected) == n

    table = _table(path)
    for seq, (_, state, *values) in expected.items():
        assert table[seq] == (f"+38050{seq:07d}", texts[seq], state, *values), seq
    rows = {row.seq: row for row in journal.rows()}
    for seq, (_, state, phone, mid, code, reason, detail) in expected.items():
        assert rows[seq] == JournalRow(
            seq, f"+38050{seq:07d}", texts[seq], state, phone, mid, code, reason, detail, 2,
            rows[seq].batch, rows[seq].updated_at,
        )  # fmt: skip
    journal.close()


def test_a_settlement_of_rows_no_longer_in_flight_records_nothing(tmp_path: Path) -> None:
    """Whatever its values, a settlement only changes rows in flight and claimed by this runner."""
    path = tmp_path / "c.db"
    journal = held_journal(path, range(10))
    claim = journal.claim(5)
    assert claim is not None
    before = _table(path)
    patterns = [(True,) * 5, (False,) * 5, (True,) * 5, (False,) * 5, (True, False, True, False, True)]
    late = [_settlement(seq, "accepted", p) for seq, p in zip(range(5, 10), patterns, strict=True)]
    assert journal.settle(late) == 0  # rows 5-9 were never claimed
    assert _table(path) == before
    journal.close()


def test_values_that_look_empty_are_kept_as_given(tmp_path: Path) -> None:
    """ "0" and "" are values, not absent ones: they are recorded as they are, and absent ones as NULL."""
    path = tmp_path / "c.db"
    journal = held_journal(path)
    journal.add([(0, "+380500000000", "0"), (1, "+380500000001", ""), (2, "+380500000002", None)])
    given: list[Settlement] = []
    for _ in range(3):
        claim = journal.claim(50)
        assert claim is not None and len(claim.rows) == 1
        seq = claim.rows[0].seq
        given.append([(seq, "accepted", "0", "", "0", "", "0"), (seq, "failed", "", "0", None, "0", "")][seq % 2])
        journal.settle(given[-1:])
    table = _table(path)
    assert table == {
        0: ("+380500000000", "0", "accepted", "0", "", "0", "", "0"),
        1: ("+380500000001", "", "failed", "", "0", None, "0", ""),
        2: ("+380500000002", None, "accepted", "0", "", "0", "", "0"),
    }
    assert [row[:9] for row in journal.rows()] == [(s, table[s][0], *table[s][1:]) for s in range(3)]
    journal.close()


_AWKWARD = [
    "+380501234567",
    'say "hi"',
    "back\\slash",
    "tab\there",
    "new\nline",
    "nul\x00inside",
    "\x7f",
    "",
    " ",
    "кириллица",
    "emoji \U0001f600",
    "\u2028",
    "{}",
    "[1, 2]",
    "null",
]


def _recipients(path: Path) -> list[tuple[int, object]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [(int(seq), value) for seq, value in db.execute("SELECT seq, recipient FROM recipients ORDER BY seq")]


@pytest.mark.parametrize("start", [0, 7])
def test_numbers_are_loaded_exactly_as_given(tmp_path: Path, start: int) -> None:
    """Whatever the strings (quotes, backslashes, control characters, NUL, non-ASCII), and whether the rows of
    a chunk are consecutive or not, each number is stored and read back as it was given, as text."""
    path = tmp_path / "c.db"
    journal = held_journal(path)
    plain = [f"+38050{i:07d}" for i in range(30)]
    rows = [(start + i, number, None) for i, number in enumerate(plain + _AWKWARD + plain)]
    rows += [(1000 + 2 * i, number, None) for i, number in enumerate(plain)]  # not consecutive
    # A chunk of its own whose strings JSON writes without an escape, the unusual ones among them.
    rows += [(2000 + i, number, None) for i, number in enumerate(["", " ", "{}", "[1, 2]", "null", "~'", "<&>"])]
    assert len(rows) % 7 == 0  # chunks of 7: the last one is the unusual strings alone, the first four plain
    assert journal.add(rows, chunk=7) == len(rows)
    assert journal.add(rows, chunk=7) == 0  # loaded again (a resumed load): nothing is added twice
    expected = [(seq, number) for seq, number, _ in rows]
    assert _recipients(path) == sorted(expected)
    assert [(row.seq, row.recipient) for row in journal.rows()] == sorted(expected)
    assert journal.counts().pending == len(rows)
    journal.close()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.text(), max_size=40))
def test_any_text_is_loaded_exactly_as_given(numbers: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.db"
        journal = held_journal(path)
        assert journal.add(((i, n, None) for i, n in enumerate(numbers)), chunk=9) == len(numbers)
        assert _recipients(path) == list(enumerate(numbers))
        journal.close()


def test_a_number_sqlite_cannot_store_is_refused_as_before(tmp_path: Path) -> None:
    """A lone surrogate cannot be written as UTF-8: the load fails (nothing of its chunk is kept), as a
    row-by-row insert fails."""
    journal = SqliteJournal(tmp_path / "c.db")
    journal.acquire(Owner())
    with pytest.raises(UnicodeEncodeError):
        journal.add([(0, "+380501234567", None), (1, "\ud800", None)])
    assert journal.counts().pending == 0
    assert _recipients(tmp_path / "c.db") == []
    journal.close()
