"""The sidebar's headings (no browser): the last days, then this year's months, then years, in the reader's days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ui.sidebar import group_of
from ui.time_zone import zone_named

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


def test_headings_follow_the_readers_days() -> None:
    """8 pm in Los Angeles is 4 am UTC of the next day: a chat of that morning is Today there, not Yesterday."""
    now = datetime(2026, 12, 8, 4, 0)  # Dec 7, 20:00 in Los Angeles
    morning = datetime(2026, 12, 7, 17, 0)  # Dec 7, 09:00 there
    assert group_of(morning, now) == 'Yesterday'
    assert group_of(morning, now, ZoneInfo('America/Los_Angeles')) == 'Today'
    # months and years are the reader's too: New Year's Eve evening in New York is January 1st in UTC
    assert group_of(datetime(2026, 1, 1, 2, 0), datetime(2026, 3, 1), ZoneInfo('America/New_York')) == '2025'
    assert group_of(datetime(2026, 1, 1, 2, 0), datetime(2026, 3, 1)) == 'January'


def test_only_a_real_zone_name_from_the_browser_is_taken() -> None:
    assert zone_named('Europe/Berlin') == ZoneInfo('Europe/Berlin')
    for name in ('', 'Mars/Olympus_Mons', '../../etc/passwd', '/etc/localtime', 'America', 'x' * 65, None, 42):
        assert zone_named(name) is None, name
