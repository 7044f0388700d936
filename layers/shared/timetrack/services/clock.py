import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Server time, whole seconds (what start/stop record)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
