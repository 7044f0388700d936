"""Rate limits per subject (a token, or the user of a JWT): N requests a minute
and M an hour, counted in DynamoDB so every function and instance shares them.

Fixed windows (the calendar minute and hour, UTC). A refused request is not
counted: a client that waits for the reset gets its full quota back. If the
counters throttle, the request is let through uncounted (fail open) and
``RateLimiterUnavailable`` is counted: the limiter guards against one noisy
client and must not turn a busy table into an outage of every API.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from ..dal.limits import Counted, RateLimitCounters
from ..errors import RateLimited, Unavailable
from ..observability import logger, metrics
from .clock import Clock

MINUTE, HOUR = 60, 3600


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One window's standing after a request: what ``X-RateLimit-*`` report."""

    window: str  # "minute" or "hour"
    limit: int
    remaining: int
    reset: int  # Unix seconds when the window starts afresh


class RateLimiter:
    def __init__(self, counters: RateLimitCounters, *, per_minute: int, per_hour: int, clock: Clock) -> None:
        self._counters = counters
        self._per_minute = per_minute
        self._per_hour = per_hour
        self._clock = clock

    def hit(self, subject: str) -> RateLimit | None:
        """Count one request of ``subject``: the tighter window's standing, or
        RateLimited (nothing counted). None when no window is limited or the
        counters are unavailable."""
        if not (self._per_minute or self._per_hour):
            return None
        now = int(self._clock().timestamp())
        hour = now - now % HOUR
        minute = now - now % MINUTE
        try:
            counted = self._counters.add(
                subject,
                hour=hour,
                minute=(minute - hour) // MINUTE,
                hour_limit=self._per_hour,
                minute_limit=self._per_minute,
                expires=hour + 2 * HOUR,  # TTL: an hour after the window, whenever DynamoDB gets to it
            )
        except Unavailable:
            logger.warning("Rate-limit counters unavailable; request let through", extra={"subject": subject})
            metrics.add_metric(name="RateLimiterUnavailable", unit=MetricUnit.Count, value=1)
            return None
        windows = _windows(counted, self._per_minute, minute + MINUTE, self._per_hour, hour + HOUR)
        if counted.accepted:
            return min(windows, key=lambda w: (w.remaining, -w.reset))
        # The exhausted window that resets last is the one to wait for.
        blocking = max((w for w in windows if w.remaining == 0), key=lambda w: w.reset)
        raise RateLimited(blocking, retry_after=blocking.reset - now)


def _windows(counted: Counted, per_minute: int, minute_reset: int, per_hour: int, hour_reset: int) -> list[RateLimit]:
    windows = []
    if per_minute:
        windows.append(RateLimit("minute", per_minute, max(per_minute - counted.minute, 0), minute_reset))
    if per_hour:
        windows.append(RateLimit("hour", per_hour, max(per_hour - counted.hour, 0), hour_reset))
    return windows
