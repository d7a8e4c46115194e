"""Per-user limits on a team server: messages a minute, answers at once, and an optional daily token budget.

The engine asks `refusal()` before it stores a message or starts an answer; a reason in plain words comes back
when a limit is reached (the page shows it and keeps the typed text), None when the message may go.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from storage.repository import Repository

from .settings import Settings

PERSONAL = 'personal'  # the rate-limit key of personal mode's one user (user_id None)
TEAM_MESSAGES_PER_MINUTE = 20  # team-mode defaults; personal mode has no limits unless they are set
TEAM_ANSWERS_AT_ONCE = 2


@dataclass(frozen=True)
class LimitSettings:
    """0 (or None for the budget) switches a limit off."""

    messages_per_minute: int = 0
    answers_at_once: int = 0
    daily_token_budget: int | None = None


def limit_settings(messages_per_minute: int | None, answers_at_once: int | None, daily_token_budget: int | None,
                   *, team: bool) -> LimitSettings:
    """The limits in force: what is set, else the team-server defaults in team mode and none in personal mode."""
    return LimitSettings(
        messages_per_minute=messages_per_minute if messages_per_minute is not None
        else TEAM_MESSAGES_PER_MINUTE if team else 0,
        answers_at_once=answers_at_once if answers_at_once is not None else TEAM_ANSWERS_AT_ONCE if team else 0,
        daily_token_budget=daily_token_budget or None)


def midnight_utc(now: datetime | None = None) -> datetime:
    """The start of the current UTC day, naive (as storage keeps times)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _duration(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f'{seconds} s'
    minutes = math.ceil(seconds / 60)
    return f'{minutes} min' if minutes < 90 else f'{minutes // 60} h {minutes % 60} min'


class UsageLimits:
    """The limits of every user of this process (memory only: a restart forgets the last minute, as it should)."""

    def __init__(self, settings: LimitSettings, tokens_used_since: Callable[[str | None, datetime], int]) -> None:
        self.settings = settings
        self.tokens_used_since = tokens_used_since
        # A moving window: 20 a minute means 20 in any 60 s, not 40 across the turn of a fixed minute.
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_minute = RateLimitItemPerMinute(settings.messages_per_minute) if settings.messages_per_minute else None

    @property
    def budgeted(self) -> bool:
        return bool(self.settings.daily_token_budget)

    def refusal(self, user_id: str | None, *, running: int, tokens_today: int = 0) -> str | None:
        """Why this user may not start another answer now, or None; `running`: their answers being written,
        `tokens_today`: what `tokens_today()` says (read from storage beforehand, off the event loop).

        A message that passes counts against the per-minute limit.
        """
        at_once = self.settings.answers_at_once
        if at_once and running >= at_once:
            answers = 'answer is' if at_once == 1 else f'{at_once} answers are'
            return (f'Your {answers} still being written, the most at once on this server. '
                    'Wait for one to finish, or stop it.')
        if (budget := self.settings.daily_token_budget) and tokens_today >= budget:
            tomorrow = midnight_utc() + timedelta(days=1)
            left = (tomorrow - datetime.now(UTC).replace(tzinfo=None)).total_seconds()
            return (f'You have used your {budget:,} tokens for today ({tokens_today:,} so far). '
                    f'The budget renews at midnight UTC, in {_duration(left)}.')
        key = user_id or PERSONAL
        if self.per_minute and not self.limiter.hit(self.per_minute, 'messages', key):
            reset = self.limiter.get_window_stats(self.per_minute, 'messages', key).reset_time
            return (f'You have sent {self.settings.messages_per_minute} messages in the last minute, the most this '
                    f'server allows. Try again in {_duration(reset - time.time())}.')
        return None

    def tokens_today(self, user_id: str | None) -> int:
        """Tokens the user's answers used since midnight UTC, deleted conversations included (reads storage)."""
        return self.tokens_used_since(user_id, midnight_utc())


def usage_limits(settings: Settings, repository: Repository) -> UsageLimits | None:
    """The limits this server enforces, from its settings; None when every limit is off."""
    chosen = limit_settings(settings.messages_per_minute, settings.answers_at_once, settings.daily_token_budget,
                            team=settings.team_mode)
    return UsageLimits(chosen, repository.tokens_used_since) if chosen != LimitSettings() else None
