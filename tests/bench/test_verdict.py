"""The bench's verdict: issue 14's targets decide ``all_targets_met``; the marks the bench sets itself where no
issue gives a target (issue 15's PostgreSQL figures) are reported apart, in ``all_marks_met``."""

from __future__ import annotations

from bench.__main__ import verdict
from bench._common import Ratio


def _row(ratio: float, *, mark: bool = False, sense: str = "max", target: float = 1.5) -> Ratio:
    return Ratio("measure", "s", ratio, 1.0, target, sense=sense, mark=mark)


def test_a_mark_below_its_level_does_not_fail_the_targets() -> None:
    assert verdict([_row(1.4), _row(0.4, mark=True, sense="min", target=0.5)]) == {
        "all_targets_met": True,
        "all_marks_met": False,
    }


def test_a_target_missed_fails_whatever_the_marks() -> None:
    assert verdict([_row(1.6), _row(0.6, mark=True, sense="min", target=0.5)]) == {
        "all_targets_met": False,
        "all_marks_met": True,
    }


def test_a_rate_target_is_a_minimum() -> None:
    assert verdict([_row(0.79, sense="min", target=0.8)])["all_targets_met"] is False
    assert verdict([_row(0.8, sense="min", target=0.8)])["all_targets_met"] is True
