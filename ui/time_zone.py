"""The reader's time zone, so the sidebar's headings ("Today", "Yesterday", a month) follow the reader's days, not
the server's UTC ones.

assets/time_zone.js keeps the browser's zone in a cookie, so every page request carries it and a page is grouped
right from its first paint; on a first visit, before there is a cookie, the sidebar asks the connected browser.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request

ZONE_COOKIE = 'parley_tz'
ASK_ZONE = 'Intl.DateTimeFormat().resolvedOptions().timeZone'


def zone_named(name: object) -> ZoneInfo | None:
    """The IANA zone called `name` ('Europe/Berlin'), or None for anything else: the name comes from the browser."""
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, or a directory of the database
        return None


def reader_zone(request: Request) -> ZoneInfo | None:
    return zone_named(request.cookies.get(ZONE_COOKIE))


def local_date(moment: datetime, zone: ZoneInfo | None) -> date:
    """The reader's calendar day of `moment` (naive UTC, as stored); UTC's when the zone is not known."""
    return moment.replace(tzinfo=UTC).astimezone(zone).date() if zone else moment.date()
