"""The OIDC issuer's signing keys (its JWKS), fetched over HTTPS and cached.

An outage of the issuer must not sign users out nor stall requests:

- the key set is kept with its fetch time, refreshed every ``refresh_after``
  seconds (so a key the issuer withdrew stops working), and while refreshes
  fail the last good set is used until ``max_age`` seconds past its fetch;
- a fetch gives up within about 2 seconds (connect and each read are
  bounded, and so is the whole body), and fetches are at least
  ``min_interval`` seconds apart: after a failure the next requests answer at
  once, and a flood of unknown key ids costs one fetch per interval;
- with no usable key set, ``key`` raises ``Unavailable`` (503, Retry-After),
  never ``Unauthorized``: the token may be fine.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import Unavailable
from ..observability import logger

FETCH_SECONDS = 1.0  # connect, and each read, and the body as a whole: about 2 s at worst
MAX_BODY_BYTES = 256 * 1024  # a JWKS is a few KB; more is not one
UNAVAILABLE = "The sign-in keys cannot be fetched from the issuer; retry shortly."


class BrokenKeySet(Exception):
    """The issuer answered something that is no usable key set."""


class SigningKeys:
    def __init__(
        self,
        url: str,
        *,
        algorithms: Iterable[str],
        max_age: float,
        refresh_after: float = 300,
        min_interval: float = 5,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._url = url
        self._algorithms = frozenset(algorithms)
        self._max_age = max_age
        self._refresh_after = min(refresh_after, max_age)
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}  # kid -> jwt.PyJWK
        self._fetched_at: float | None = None  # of the keys in use
        self._attempted_at: float | None = None  # of the last fetch, failed or not
        self._last_failed = False

    def key(self, kid: str) -> Any | None:
        """The issuer's key ``kid`` (a ``jwt.PyJWK``), or None if the issuer has
        no such key. Raises Unavailable when no valid key set can be had."""
        with self._lock:
            now = self._clock().timestamp()
            if self._fetched_at is None or now - self._fetched_at >= self._refresh_after or kid not in self._keys:
                self._refresh(now)
            if self._fetched_at is None or now - self._fetched_at >= self._max_age:
                raise Unavailable(UNAVAILABLE, retry_after=self._retry_after(now))
            found = self._keys.get(kid)
            if found is None and self._last_failed:  # perhaps a rotation we cannot see yet
                raise Unavailable(UNAVAILABLE, retry_after=self._retry_after(now))
            return found

    def _retry_after(self, now: float) -> int:
        since = now - (self._attempted_at or now)
        return max(1, math.ceil(self._min_interval - since))

    def _refresh(self, now: float) -> None:
        if self._attempted_at is not None and now - self._attempted_at < self._min_interval:
            return
        self._attempted_at = now
        try:
            keys = self._usable_keys(_fetch(self._url))
        # URLError, HTTPError and timeouts are OSErrors; a non-HTTP answer is an HTTPException;
        # JSON that is not, or nested too deep, a ValueError or RecursionError.
        except (OSError, http.client.HTTPException, ValueError, RecursionError, BrokenKeySet) as error:
            self._last_failed = True
            logger.warning("Could not refresh the issuer's signing keys", extra={"cause": repr(error)})
            return
        self._keys, self._fetched_at, self._last_failed = keys, now, False

    def _usable_keys(self, document: Any) -> dict[str, Any]:
        """Signing keys with an id and an accepted algorithm; others are skipped."""
        import jwt

        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise BrokenKeySet("not a JWKS document")
        keys = {}
        for data in document["keys"]:
            if not isinstance(data, dict) or not isinstance(data.get("kid"), str) or data.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(data)
            except jwt.PyJWTError:
                continue
            if key.algorithm_name in self._algorithms:
                keys[data["kid"]] = key
        if not keys:
            raise BrokenKeySet("no usable signing key")
        return keys


def _fetch(url: str) -> Any:
    """The JSON at ``url``, given up after about 2 * FETCH_SECONDS (DNS aside)."""
    deadline = time.monotonic() + FETCH_SECONDS
    with urllib.request.urlopen(url, timeout=FETCH_SECONDS) as response:  # noqa: S310 (the configured issuer)
        body = b""
        while chunk := response.read1(64 * 1024):
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise BrokenKeySet("the key set is too large")
            if time.monotonic() > deadline:
                raise TimeoutError("the issuer answers too slowly")
    return json.loads(body)
