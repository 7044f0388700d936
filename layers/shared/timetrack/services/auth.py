"""Who is calling: personal API tokens and OIDC bearer JWTs, as a Principal.

Personal tokens are ``tt_`` + 32 random characters, stored only as their
SHA-256 hash; each holds scopes and may be bound to a workspace. JWTs are
verified against the issuer's JWKS (``dal.jwks``: cached, last-known-good keys
through an outage); the user is created on first sight and keyed by (issuer,
subject); their scopes come from their claims. Neither the token nor its hash
is ever logged.

A JWT authenticates only as an access token for this API: signed by a key of
the issuer's set with that key's own algorithm, not expired, from the issuer,
with the configured audience (``aud``, or Cognito's ``client_id``; no audience
configured means no JWT is accepted), ``token_use`` = ``access`` when present
(Cognito; generic OIDC access tokens have none) and a non-empty ``sub``.
Anything else is Unauthorized, whatever is wrong with it.

A token's use is counted in memory and written at most once a minute per
token and process (``USAGE_FLUSH_SECONDS``): no request waits for a write
except the first use of a token in a process and one a minute after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import string
import threading
import time
from typing import Any

from .. import scopes
from ..config import Settings
from ..dal.directory import AlreadyExists, DirectoryRepository, TokenRecord
from ..dal.ids import IdAllocator
from ..dal.jwks import SigningKeys
from ..errors import Unauthorized
from ..principal import Principal
from .clock import Clock

TOKEN_PREFIX = "tt_"  # noqa: S105 (a prefix, not a secret)
TOKEN_PATTERN = re.compile(r"tt_[A-Za-z0-9]{32}")
_ALPHABET = string.ascii_letters + string.digits
JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]
MAX_JWT_LENGTH = 8192  # Cognito's are ~1 KB; API Gateway takes 10 KB of headers in all
ACCESS = "access"  # Cognito's token_use of an access token
MAX_SUBJECT_LENGTH = 255  # OpenID Connect's limit; the subject is part of a directory key
USAGE_FLUSH_SECONDS = 60


class _Uses:
    __slots__ = ("flushed_at", "pending")

    def __init__(self) -> None:
        self.pending = 0
        self.flushed_at: dt.datetime | None = None


def scopes_from_claims(claims: dict[str, Any]) -> frozenset[str]:
    """A JWT's scopes: the names of ours in its ``scope`` (space-separated)
    and ``permissions`` (a list) claims, in either spelling, also behind a
    resource-server prefix (Cognito's ``https://api.example.com/read:projects``).
    A JWT that names none of ours and has no ``permissions`` claim is a
    sign-in (``openid email``, ``aws.cognito.signin.user.admin``): every scope."""
    scope_claim = claims.get("scope")
    permissions = claims.get("permissions")
    names = scope_claim.split() if isinstance(scope_claim, str) else []
    names += [name for name in permissions if isinstance(name, str)] if isinstance(permissions, list) else []
    named = {scopes.canonical(name.rsplit("/", 1)[-1]) for name in names} - {None}
    if named or isinstance(permissions, list):
        return frozenset(named)
    return scopes.ALL


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
        self._uses: dict[int, _Uses] = {}  # token id -> uses not yet written
        self._signing_keys: SigningKeys | None = None

    def reset(self) -> None:
        """Forget cached lookups and unwritten counts (after a SnapStart restore, in tests)."""
        with self._lock:
            self._tokens.clear()
            self._subjects.clear()
            self._uses.clear()

    def forget(self, token_hash: str) -> None:
        """Drop a token from the cache: a revocation takes effect here at once."""
        with self._lock:
            self._tokens.pop(token_hash, None)

    def authenticate(self, bearer: str | None, api_key: str | None) -> Principal:
        """The caller and what it may do, or Unauthorized."""
        credential = bearer or api_key
        if not credential:
            raise Unauthorized("Not authenticated")
        if credential.startswith(TOKEN_PREFIX):
            return self._personal_token(credential)
        if bearer and credential.count(".") == 2 and self._config.oidc_issuer:
            return self._jwt(credential)
        raise Unauthorized("Invalid token")

    # -- personal tokens -----------------------------------------------------

    def _personal_token(self, token: str) -> Principal:
        if not TOKEN_PATTERN.fullmatch(token):
            raise Unauthorized("Invalid token")
        digest = hash_token(token)
        record = self._cached_token(digest)
        now = self._clock()
        if record is None or not record.usable_at(now):
            raise Unauthorized("Invalid, expired or revoked token")
        if record.id is None:  # issued before tokens had ids: every scope, keyed by its user
            return Principal(record.user_id, subject=f"user:{record.user_id}")
        self._count_use(record.id, now)
        return Principal(
            record.user_id,
            frozenset(record.scopes),
            workspace_id=record.workspace_id,
            token_id=record.id,
            subject=f"token:{record.id}",
        )

    def _count_use(self, token_id: int, now: dt.datetime) -> None:
        """Count in memory; write the count when the token's minute is up."""
        with self._lock:
            uses = self._uses.setdefault(token_id, _Uses())
            uses.pending += 1
            due = uses.flushed_at is None or (now - uses.flushed_at).total_seconds() >= USAGE_FLUSH_SECONDS
            if not due:
                return
            pending, uses.pending, uses.flushed_at = uses.pending, 0, now
        if not self._directory.record_usage(token_id, pending, now):
            with self._lock:  # not written: try again with the next use after a minute
                uses.pending += pending

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

    def _jwt(self, token: str) -> Principal:
        """The principal of a valid access token. A token that is malformed,
        forged, expired or meant for something else is Unauthorized (never
        another error); an issuer whose keys cannot be had is Unavailable."""
        import jwt  # imported on first JWT (or primed before the snapshot): cold starts stay lean

        if not self._config.oidc_audience:
            raise Unauthorized("Invalid token: no audience is configured, so no JWT is accepted")
        if len(token) > MAX_JWT_LENGTH:
            raise Unauthorized("Invalid token: too long")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise Unauthorized("Invalid token: malformed") from None
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("Invalid token: no key id")
        key = self._keys().key(kid)
        if key is None:
            raise Unauthorized("Invalid token: unknown signing key")
        try:
            # A PyJWK verifies with its own algorithm only: an ES256 header on an RSA key id is refused.
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
        user_id = self._user_for_subject(claims["iss"], self._subject(claims), _verified_email(claims))
        return Principal(user_id, scopes_from_claims(claims), subject=f"jwt:{user_id}")

    def _subject(self, claims: dict[str, Any]) -> str:
        """The ``sub`` of an access token meant for this API."""
        if claims.get("token_use", ACCESS) != ACCESS:  # Cognito's ID tokens say "id"
            raise Unauthorized("Invalid token: not an access token")
        if not self._audience_ok(claims):
            raise Unauthorized("Invalid token: wrong audience")
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
            raise Unauthorized("Invalid token: invalid subject")
        return subject

    def _audience_ok(self, claims: dict[str, Any]) -> bool:
        """``aud`` (a string or a list), or, without one, ``client_id`` (Cognito access tokens)."""
        audience = claims["aud"] if "aud" in claims else claims.get("client_id")
        audiences = audience if isinstance(audience, list) else [audience]
        return self._config.oidc_audience in audiences

    def _keys(self) -> SigningKeys:
        if self._signing_keys is None:
            self._signing_keys = SigningKeys(
                self._config.oidc_jwks_url or self._config.oidc_issuer.rstrip("/") + "/.well-known/jwks.json",
                algorithms=JWT_ALGORITHMS,
                max_age=self._config.jwks_cache_seconds,
                clock=self._clock,
            )
        return self._signing_keys

    def _user_for_subject(self, issuer: str, subject: str, email: str | None = None) -> int:
        """The user of an OIDC identity, created on first sight with the token's
        verified email (if any) on its profile, so invitations by email reach it."""
        key = (issuer, subject)
        if key in self._subjects:
            return self._subjects[key]
        user_id = self._directory.user_id_for_subject(issuer, subject)
        if user_id is None:
            new_id = self._user_ids.next_id()
            try:
                self._directory.create_user(new_id, self._clock(), email=email, subject=key, reserve_email=False)
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


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The token's ``email`` when the issuer says it is verified (``email_verified``)."""
    email, verified = claims.get("email"), claims.get("email_verified")
    if not isinstance(email, str) or verified not in (True, "true") or "@" not in email or len(email) > 254:
        return None
    return email.strip().lower()
