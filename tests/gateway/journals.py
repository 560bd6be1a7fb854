"""The SQLite journal the journal tests start from: held by a runner of this process, numbered rows loaded."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from smsgate._journal import Owner, SqliteJournal

__all__ = ["held_journal"]


def held_journal(path: Path, seqs: Iterable[int] = ()) -> SqliteJournal:
    """The journal at `path`, acquired, with a row for each of `seqs`: the number ``+38050`` and the row's
    position in seven digits, the campaign's text."""
    journal = SqliteJournal(path)
    journal.acquire(Owner())
    journal.add((seq, f"+38050{seq:07d}", None) for seq in seqs)
    return journal
