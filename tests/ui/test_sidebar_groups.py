"""The sidebar's headings (no browser): the last days, then this year's months, then years."""

from __future__ import annotations

from datetime import datetime, timedelta

from ui.sidebar import group_of

NOW = datetime(2026, 12, 7, 9, 30)


def test_recent_chats_go_by_day_older_ones_by_month_then_by_year() -> None:
    ago = [timedelta(hours=9), timedelta(days=1), timedelta(days=7), timedelta(days=8), timedelta(days=30),
           timedelta(days=31), timedelta(days=70), timedelta(days=340), timedelta(days=342), timedelta(days=1000)]
    assert [group_of(NOW - delta, NOW) for delta in ago] == [
        'Today', 'Yesterday', 'Previous 7 days', 'Previous 30 days', 'Previous 30 days', 'November', 'September',
        'January', '2025', '2024']


def test_a_heading_never_comes_back_lower_down_the_newest_first_list() -> None:
    for now in (NOW, datetime(2027, 1, 3, 0, 5), datetime(2026, 3, 1, 23, 59)):
        headings = [group_of(now - timedelta(hours=hours), now) for hours in range(0, 24 * 800, 7)]
        runs = [heading for index, heading in enumerate(headings) if index == 0 or headings[index - 1] != heading]
        assert len(runs) == len(set(runs)), runs
