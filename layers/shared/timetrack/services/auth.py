"""Who is calling: personal API tokens and OIDC bearer JWTs.

Personal tokens are ``tt_`` + 32 random characters, stored only as their
SHA-256 hash. JWTs are verified against the issuer's JWKS (cached); the user
is created on first sight and keyed by (issuer, subject). Neither the token
nor its hash is ever logged.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import threading
import time
from typing import Any

from ..config import Settings
from ..dal.directory import AlreadyExists, DirectoryRepository, TokenRecord
from ..dal.ids import IdAllocator
from ..errors import Unauthorized
from .clock import Clock

TOKEN_PREFIX = "tt_"  # noqa: S105 (a prefix, not a secret)
TOKEN_PATTERN = re.compile(r"tt_[A-Za-z0-9]{32}")
_ALPHABET = string.ascii_letters + string.digits
JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]


def new_token() -> str:
    return TOKEN_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(32))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    def __init__(self, directory: DirectoryRepository, user_ids: IdAllocator, config: Settings, clock: Clock) -> None:
        self._directory = directory
        self._user_ids = user_ids
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, TokenRecord]] = {}
        self._subjects: dict[tuple[str, str], int] = {}
        self._jwks = None

    def reset(self) -> None:
        """Forget cached lookups (after a SnapStart restore, in tests)."""
        with self._lock:
            self._tokens.clear()
            self._subjects.clear()

    def authenticate(self, bearer: str | None, api_key: str | None) -> int:
        """The caller's user id, or Unauthorized."""
        credential = bearer or api_key
        if not credential:
            raise Unauthorized("Not authenticated")
        if credential.startswith(TOKEN_PREFIX):
            return self._personal_token(credential)
        if bearer and credential.count(".") == 2 and self._config.oidc_issuer:
            return self._jwt(credential)
        raise Unauthorized("Invalid token")

    # -- personal tokens -----------------------------------------------------

    def _personal_token(self, token: str) -> int:
        if not TOKEN_PATTERN.fullmatch(token):
            raise Unauthorized("Invalid token")
        digest = hash_token(token)
        record = self._cached_token(digest)
        if record is None or not record.usable_at(self._clock()):
            raise Unauthorized("Invalid, expired or revoked token")
        return record.user_id

    def _cached_token(self, digest: str) -> TokenRecord | None:
        now = time.monotonic()
        cached = self._tokens.get(digest)
        if cached and now - cached[0] < self._config.token_cache_seconds:
            return cached[1]
        record = self._directory.get_token(digest)
        if record is not None:  # unknown tokens are not cached: they may be issued any moment
            with self._lock:
                if len(self._tokens) > 1000:
                    self._tokens.clear()
                self._tokens[digest] = (now, record)
        return record

    # -- OIDC JWTs -----------------------------------------------------------

    def _jwt(self, token: str) -> int:
        import jwt  # imported on first JWT (or primed before the snapshot): cold starts stay lean

        try:
            key = self._jwk_client().get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=JWT_ALGORITHMS,
                issuer=self._config.oidc_issuer,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
                leeway=30,
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(f"Invalid token: {type(error).__name__}") from None
        if not self._audience_ok(claims):
            raise Unauthorized("Invalid token: wrong audience")
        return self._user_for_subject(claims["iss"], str(claims["sub"]))

    def _audience_ok(self, claims: dict[str, Any]) -> bool:
        """``aud`` (OIDC ID tokens) or ``client_id`` (Cognito access tokens)."""
        expected = self._config.oidc_audience
        if not expected:
            return True
        audience = claims.get("aud", claims.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        return expected in audiences

    def _jwk_client(self):
        if self._jwks is None:
            import jwt

            self._jwks = jwt.PyJWKClient(
                self._config.oidc_jwks_url or self._config.oidc_issuer.rstrip("/") + "/.well-known/jwks.json",
                cache_keys=True,
                lifespan=self._config.jwks_cache_seconds,
                timeout=5,
            )
        return self._jwks

    def _user_for_subject(self, issuer: str, subject: str) -> int:
        key = (issuer, subject)
        if key in self._subjects:
            return self._subjects[key]
        user_id = self._directory.user_id_for_subject(issuer, subject)
        if user_id is None:
            new_id = self._user_ids.next_id()
            try:
                self._directory.create_user(new_id, self._clock(), email=None, subject=key)
                user_id = new_id
            except AlreadyExists:  # a concurrent first request created it
                user_id = self._directory.user_id_for_subject(issuer, subject)
                if user_id is None:
                    raise Unauthorized("Could not resolve the token's user") from None
        with self._lock:
            if len(self._subjects) > 1000:
                self._subjects.clear()
            self._subjects[key] = user_id
        return user_id
