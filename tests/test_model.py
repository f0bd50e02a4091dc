"""Deadlines: one-off dates (possibly unknown) and yearly recurring days."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from policyrules.model import Deadline


def test_end_of_april_every_year() -> None:
    deadline = Deadline(text="每年4月底前", recurring=(4, "last"))
    assert deadline.next_due(dt.date(2019, 1, 1)) == dt.date(2019, 4, 30)
    assert deadline.next_due(dt.date(2019, 4, 30)) == dt.date(2019, 4, 30)
    assert deadline.next_due(dt.date(2019, 5, 1)) == dt.date(2020, 4, 30)


def test_december_fifteenth_every_year() -> None:
    deadline = Deadline(text="每年12月15日前", recurring=(12, 15))
    assert deadline.next_due(dt.date(2019, 12, 16)) == dt.date(2020, 12, 15)


def test_a_yearly_duty_is_judged_on_its_own_day() -> None:
    assert Deadline(text="每年12月15日前", recurring=(12, 15)).due_in(2019) == dt.date(2019, 12, 15)
    assert Deadline(text="每年4月底前", recurring=(4, "last")).due_in(2020) == dt.date(2020, 4, 30)
    assert Deadline(text="到2018年年底", date=dt.date(2018, 12, 31)).due_in(2019) == dt.date(2019, 12, 31)


def test_end_of_february_follows_leap_years() -> None:
    deadline = Deadline(text="每年2月底前", recurring=(2, "last"))
    assert deadline.next_due(dt.date(2019, 3, 1)) == dt.date(2020, 2, 29)
    assert deadline.next_due(dt.date(2020, 3, 1)) == dt.date(2021, 2, 28)


def test_one_off_dates_known_and_unknown() -> None:
    assert Deadline(text="到2018年年底", date=dt.date(2018, 12, 31)).next_due(dt.date(2019, 6, 1)) == dt.date(2018, 12, 31)
    assert Deadline(text="2018年秋季学期开学前").next_due(dt.date(2018, 6, 1)) is None


@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(min_value=1, max_value=12),
    st.one_of(st.integers(min_value=1, max_value=31), st.just("last")),
)
def test_next_recurring_due_is_the_first_on_or_after(as_of: dt.date, month: int, day: int | str) -> None:
    due = Deadline(text="每年", recurring=(month, day)).next_due(as_of)
    assert due is not None and due >= as_of and due.month == month
    assert (due - as_of).days < 366


def test_a_dated_deadline_passes_the_day_after() -> None:
    deadline = Deadline(text="到2018年年底", date=dt.date(2018, 12, 31))
    assert [deadline.passed(dt.date(2018, 12, d)) for d in (30, 31)] == [False, False]
    assert deadline.passed(dt.date(2019, 1, 1)) is True


def test_a_term_deadline_is_a_window_that_passes() -> None:
    deadline = Deadline(text="2018年秋季学期开学前", window=(dt.date(2018, 8, 1), dt.date(2018, 9, 30)))
    assert deadline.passed(dt.date(2018, 7, 31)) is False
    assert deadline.passed(dt.date(2018, 8, 1)) is None and deadline.passed(dt.date(2018, 9, 30)) is None
    assert deadline.passed(dt.date(2018, 10, 1)) is True


def test_an_unknown_day_without_a_window_never_claims_to_have_passed() -> None:
    deadline = Deadline(text="适时")
    assert {deadline.passed(dt.date(y, 1, 1)) for y in (2000, 2018, 2100)} == {None}


@given(st.dates(), st.dates(), st.dates())
def test_window_answers_are_monotonic_in_time(a: dt.date, b: dt.date, day: dt.date) -> None:
    earliest, latest = sorted((a, b))
    deadline = Deadline(text="term", window=(earliest, latest))
    answer = deadline.passed(day)
    assert answer is (True if day > latest else False if day < earliest else None)
