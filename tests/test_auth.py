"""Authentication over HTTP: personal API tokens and OIDC JWTs."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import socket
import string
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from local import stack
from local.app import build_app
from tests.faults import DynamoFaults, operation
from timetrack import runtime
from timetrack.config import Settings
from timetrack.dal.directory import DirectoryRepository
from timetrack.observability import logger as app_logger

API = "/api/v1/time-tracking"
SETTINGS = f"{API}/settings"
ALPHANUMERIC = string.ascii_letters + string.digits


def random_token() -> str:
    return "tt_" + "".join(secrets.choice(ALPHANUMERIC) for _ in range(32))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------- personal tokens ---


def test_no_credentials_is_401_with_bearer_challenge(client):
    response = client.get(SETTINGS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert isinstance(response.json()["detail"], str)


def test_valid_token_is_accepted(client, user):
    response = client.get(SETTINGS, headers=user["headers"])
    assert response.status_code == 200, response.text
    assert response.json()["currency"] == "USD"


@pytest.mark.parametrize(
    "credential",
    [
        "xx_" + "a" * 32,  # wrong prefix
        "TT_" + "a" * 32,  # prefix is case-sensitive
        "tt_" + "a" * 31,  # one character short
        "tt_" + "a" * 33,  # one character long
        "tt_" + "a" * 31 + "-",  # not alphanumeric
        "tt_" + "a" * 31 + "é",  # not ASCII
        "tt_",  # prefix only
        "not-a-token",
        "a.b.c",  # JWT-shaped, but JWTs are not configured
    ],
)
def test_malformed_token_is_401(client, user, credential):
    response = client.get(SETTINGS, headers={"Authorization": f"Bearer {credential}".encode()})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    response = client.get(SETTINGS, headers={"X-API-Key": credential.encode()})
    assert response.status_code == 401


def test_valid_token_with_another_scheme_is_401(client, user):
    response = client.get(SETTINGS, headers={"Authorization": f"Basic {user['token']}"})
    assert response.status_code == 401


def test_unknown_well_formed_token_is_401(client, user):
    unknown = random_token()
    assert unknown != user["token"]
    response = client.get(SETTINGS, headers=bearer(unknown))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_x_api_key_header_authenticates(client, user):
    response = client.get(SETTINGS, headers={"X-API-Key": user["token"]})
    assert response.status_code == 200, response.text
    created = client.post(
        f"{API}/entries",
        json={"start_time": "2024-01-22T08:00:00", "end_time": "2024-01-22T09:00:00"},
        headers={"X-API-Key": user["token"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["user_id"] == user["user_id"]


def test_expired_token_is_401(client, services, user, clock):
    issued = services.accounts.issue_token(user["user_id"], expires_in=dt.timedelta(hours=1))
    clock.advance(minutes=59)
    assert client.get(SETTINGS, headers=bearer(issued.token)).status_code == 200
    clock.advance(minutes=2)
    response = client.get(SETTINGS, headers=bearer(issued.token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    # The user's other, unexpiring token still works.
    assert client.get(SETTINGS, headers=user["headers"]).status_code == 200


def test_revoked_token_is_401(client, services, user, make_user):
    other = make_user("bob@example.com")
    assert client.get(SETTINGS, headers=user["headers"]).status_code == 200
    services.accounts.revoke_token(user["token"])
    response = client.get(SETTINGS, headers=user["headers"])
    assert response.status_code == 401
    assert client.get(SETTINGS, headers={"X-API-Key": user["token"]}).status_code == 401
    assert client.get(SETTINGS, headers=other["headers"]).status_code == 200


def test_directory_stores_only_the_token_hash(services, user):
    dynamodb = boto3.client("dynamodb", region_name=stack.REGION)
    items: list[dict] = []
    request = {"TableName": services.config.directory_table}
    while True:
        page = dynamodb.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    dump = json.dumps(items)
    token = user["token"]
    assert token not in dump
    assert token.removeprefix("tt_") not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_tokens_are_never_logged(client, user, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    previous_level = app_logger.log_level
    app_logger.setLevel(logging.DEBUG)
    unknown = random_token()
    try:
        responses = [
            client.get(SETTINGS, headers=user["headers"]),
            client.get(SETTINGS, headers={"X-API-Key": user["token"]}),
            client.get(SETTINGS, headers=bearer(unknown)),
            client.get(SETTINGS, headers=bearer("garbage-credential-" + "z" * 20)),
        ]
    finally:
        app_logger.setLevel(previous_level)
    assert [r.status_code for r in responses] == [200, 200, 401, 401]
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    for secret in (user["token"], unknown, "garbage-credential-" + "z" * 20):
        assert secret not in logged
        assert all(secret not in r.text for r in responses)


# --------------------------------------------------------------- caching ---


@pytest.fixture
def count_token_reads(monkeypatch) -> list[str]:
    """Every DirectoryRepository.get_token call, by token hash."""
    reads: list[str] = []
    original = DirectoryRepository.get_token

    def counted(self, token_hash):
        reads.append(token_hash)
        return original(self, token_hash)

    monkeypatch.setattr(DirectoryRepository, "get_token", counted)
    return reads


@pytest.fixture
def caching_client(aws, clock) -> Iterator[tuple[runtime.Services, TestClient]]:
    runtime.reset()
    built = runtime.build(Settings(token_cache_seconds=30), clock=clock)
    runtime.reset(built)
    yield built, TestClient(build_app(), raise_server_exceptions=False)
    runtime.reset()


def test_cached_token_is_not_read_again(caching_client, count_token_reads):
    built, client = caching_client
    user_id = built.accounts.create_user("cache@example.com")
    token = built.accounts.issue_token(user_id).token
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert client.get(SETTINGS, headers=bearer(token)).status_code == 200
    assert client.get(SETTINGS, headers=bearer(token)).status_code == 200
    assert client.get(SETTINGS, headers={"X-API-Key": token}).status_code == 200
    assert count_token_reads == [digest]


def test_cached_token_still_expires(caching_client, clock, count_token_reads):
    built, client = caching_client
    user_id = built.accounts.create_user("cache@example.com")
    token = built.accounts.issue_token(user_id, expires_in=dt.timedelta(minutes=10)).token
    assert client.get(SETTINGS, headers=bearer(token)).status_code == 200
    clock.advance(minutes=11)
    assert client.get(SETTINGS, headers=bearer(token)).status_code == 401
    assert len(count_token_reads) == 1  # rejected from the cache, by its expiry


def test_unknown_token_is_not_cached(caching_client, count_token_reads):
    """A token issued right after a failed attempt works at once."""
    built, client = caching_client
    user_id = built.accounts.create_user("cache@example.com")
    token = random_token()
    assert client.get(SETTINGS, headers=bearer(token)).status_code == 401
    built.accounts.issue_token(user_id, token=token)
    assert client.get(SETTINGS, headers=bearer(token)).status_code == 200
    assert len(count_token_reads) == 2


# ------------------------------------------------------------------ OIDC ---

ISSUER = "https://issuer.test"
AUDIENCE = "timetrack-web"
KID = "test-key-1"


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts its hits; a test can change
    its answer (``answer``), make it hang (``hang``) or stop it."""

    def __init__(self, jwks: dict) -> None:
        self.hits = 0
        self._status, self._body = 200, json.dumps(jwks).encode()
        self._hanging = threading.Event()
        self._released = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/jwks.json":
                    self.send_error(404)
                    return
                outer.hits += 1
                if outer._hanging.is_set():
                    outer._released.wait(timeout=10)
                    return
                self.send_response(outer._status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer._body)))
                self.end_headers()
                self.wfile.write(outer._body)

            def log_message(self, format, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, body: bytes | dict, status: int = 200) -> None:
        self._hanging.clear()
        self._status, self._body = status, body if isinstance(body, bytes) else json.dumps(body).encode()

    def hang(self) -> None:
        """Accept requests and never answer them."""
        self._hanging.set()

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_server(signing_key, monkeypatch) -> Iterator[JwksServer]:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    public = RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True)
    server = JwksServer({"keys": [public | {"kid": KID, "alg": "RS256", "use": "sig"}]})
    yield server
    server.stop()


@pytest.fixture
def oidc_app(aws, clock, jwks_server) -> Iterator:
    """oidc_app(**settings) -> the app with JWTs enabled, trusting the local JWKS unless told otherwise."""

    def build(**overrides) -> TestClient:
        runtime.reset()
        config = {"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_url": jwks_server.url}
        runtime.reset(runtime.build(Settings(token_cache_seconds=0, **(config | overrides)), clock=clock))
        return TestClient(build_app(), raise_server_exceptions=False)

    yield build
    runtime.reset()


@pytest.fixture
def oidc(oidc_app) -> TestClient:
    return oidc_app()


@pytest.fixture
def mint(signing_key):
    """mint(sub, **claims) -> a signed JWT (RS256, kid of the JWKS)."""

    def create(sub: str = "user-1", *, key=None, headers=None, **claims) -> str:
        now = int(time.time())  # PyJWT checks exp/iat against the wall clock
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "iat": now,
            "exp": now + 3600,
            "jti": secrets.token_hex(8),
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key or signing_key, algorithm="RS256", headers={"kid": KID, **(headers or {})})

    return create


def test_jwt_valid_is_accepted(oidc, mint):
    response = oidc.get(SETTINGS, headers=bearer(mint()))
    assert response.status_code == 200, response.text
    assert response.json()["default_hourly_rate"] == 0.0


def test_jwt_user_created_on_first_sight_and_reused(oidc, mint, clock):
    first = mint("alice-sub")
    created = oidc.post(
        f"{API}/entries",
        json={"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:30:00", "hourly_rate": 40},
        headers=bearer(first),
    )
    assert created.status_code == 201, created.text
    entry = created.json()
    second = mint("alice-sub")
    assert second != first
    listed = oidc.get(f"{API}/entries", headers=bearer(second))
    assert listed.status_code == 200
    assert [e["id"] for e in listed.json()] == [entry["id"]]
    assert listed.json()[0]["user_id"] == entry["user_id"]

    # A new process (cold start) maps the subject to the same stored user.
    config = runtime.services().config
    runtime.reset(runtime.build(config, clock=clock))
    again = oidc.get(f"{API}/entries/{entry['id']}", headers=bearer(mint("alice-sub")))
    assert again.status_code == 200, again.text
    assert again.json()["total_earned"] == 60.0


def test_jwt_other_subject_is_another_user(oidc, mint):
    created = oidc.post(
        f"{API}/entries",
        json={"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00"},
        headers=bearer(mint("alice-sub")),
    )
    assert created.status_code == 201, created.text
    other = bearer(mint("bob-sub"))
    assert oidc.get(f"{API}/entries/{created.json()['id']}", headers=other).status_code == 404
    assert oidc.get(f"{API}/entries", headers=other).json() == []
    started = oidc.post(f"{API}/sessions/start", headers=other)
    assert started.status_code == 201, started.text
    assert started.json()["user_id"] != created.json()["user_id"]


def test_jwt_same_subject_of_another_issuer_is_rejected(oidc, mint):
    assert oidc.get(SETTINGS, headers=bearer(mint("alice-sub", iss="https://evil.test"))).status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"),
        pytest.param({"iss": "https://other-issuer.test"}, id="wrong-issuer"),
        pytest.param({"aud": "another-client"}, id="wrong-audience"),
        pytest.param({"aud": None, "client_id": "another-client"}, id="wrong-client-id"),
        pytest.param({"exp": None}, id="no-expiry"),
        pytest.param({"sub": None}, id="no-subject"),
    ],
)
def test_jwt_bad_claims_are_401(oidc, mint, claims):
    response = oidc.get(SETTINGS, headers=bearer(mint(**claims)))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_jwt_cognito_access_token_with_client_id(oidc, mint):
    token = mint("cognito-sub", aud=None, client_id=AUDIENCE, token_use="access", scope="openid email")
    assert "aud" not in jwt.decode(token, options={"verify_signature": False})
    response = oidc.get(SETTINGS, headers=bearer(token))
    assert response.status_code == 200, response.text


def test_jwt_signed_by_another_key_is_401(oidc, mint, other_key):
    response = oidc.get(SETTINGS, headers=bearer(mint(key=other_key)))
    assert response.status_code == 401


def test_jwt_alg_none_is_401(oidc, mint):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 3600}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": KID})
    assert unsigned.endswith(".")
    assert oidc.get(SETTINGS, headers=bearer(unsigned)).status_code == 401
    # The same claims, signed, pass: only the missing signature was refused.
    assert oidc.get(SETTINGS, headers=bearer(mint("user-1"))).status_code == 200


def test_jwt_in_x_api_key_is_401(oidc, mint):
    assert oidc.get(SETTINGS, headers={"X-API-Key": mint()}).status_code == 401


def test_jwks_fetched_once(oidc, mint, jwks_server):
    assert jwks_server.hits == 0  # nothing fetched before the first JWT
    for sub in ("a", "b", "a", "c"):
        assert oidc.get(SETTINGS, headers=bearer(mint(sub))).status_code == 200
    assert oidc.get(f"{API}/entries", headers=bearer(mint("a"))).status_code == 200
    assert jwks_server.hits == 1


def test_personal_tokens_work_alongside_jwts(oidc, mint):
    services = runtime.services()
    user_id = services.accounts.create_user("mixed@example.com")
    token = services.accounts.issue_token(user_id).token
    assert oidc.get(SETTINGS, headers=bearer(token)).status_code == 200
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200


# ---------------------------------------------------------- JWT scopes ---

ENTRY = {"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00"}


def test_jwt_scope_claim_in_seed_004_spelling_limits_the_token(oidc, mint):
    token = bearer(mint("scoped-sub", scope="openid time_entry:read"))
    assert oidc.get(f"{API}/entries", headers=token).status_code == 200
    refused = oidc.post(f"{API}/entries", json=ENTRY, headers=token)
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == "write:time_entries"
    assert refused.json()["available_scopes"] == ["read:time_entries"]


def test_jwt_permissions_claim_in_seed_002_spelling_limits_the_token(oidc, mint):
    token = bearer(mint("permitted-sub", permissions=["read:users", "time_entry:write"]))
    assert oidc.get(SETTINGS, headers=token).status_code == 200
    assert oidc.post(f"{API}/entries", json=ENTRY, headers=token).status_code == 201
    refused = oidc.put(SETTINGS, json={"currency": "EUR"}, headers=token)
    assert refused.status_code == 403
    assert refused.json()["available_scopes"] == ["read:users", "write:time_entries"]


def test_jwt_sign_in_without_our_scopes_holds_every_scope(oidc, mint):
    token = bearer(mint("signed-in-sub", aud=None, client_id=AUDIENCE, token_use="access", scope="openid email"))
    assert oidc.post(f"{API}/entries", json=ENTRY, headers=token).status_code == 201
    assert oidc.put(SETTINGS, json={"currency": "EUR"}, headers=token).status_code == 200
    assert oidc.post("/api/v1/workspaces", json={"name": "Mine"}, headers=token).status_code == 201


# ---------------------------------------------------- malformed JWTs: 401 ---

CLOCK_IN_ACTIVE = "/time-tracking/active"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def now_claims(**extra) -> dict:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": now, "exp": now + 3600} | extra


@dataclass
class Forge:
    """What a test needs to build bad tokens: the JWKS's key, a stranger's EC key, ``mint``."""

    mint: Callable[..., str]
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey

    def signed(self, header: dict, payload: bytes) -> str:
        """Any header and payload bytes, RS256-signed with the JWKS's key."""
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
        signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), self.rsa_key)
        return f"{signing_input}.{b64(signature)}"

    def hs256_with_public_key(self) -> str:
        """The algorithm-confusion attack: HMAC keyed with the RSA public key."""
        public = self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signing_input = (
            f"{b64(json.dumps({'alg': 'HS256', 'kid': KID}).encode())}.{b64(json.dumps(now_claims()).encode())}"
        )
        return f"{signing_input}.{b64(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())}"


@pytest.fixture
def forge(mint, signing_key) -> Forge:
    return Forge(mint, signing_key, ec.generate_private_key(ec.SECP256R1()))


BAD_JWTS: dict[str, Callable[[Forge], str]] = {
    "es256-header-with-the-rsa-key-id": lambda f: jwt.encode(now_claims(), f.ec_key, "ES256", headers={"kid": KID}),
    "hs256-keyed-with-the-public-key": lambda f: f.hs256_with_public_key(),
    "garbage-base64": lambda f: "!!!.@@@.###",
    "empty-segments": lambda f: "..",
    "not-utf8": lambda f: f"{b64(b'\xff\xfe')}.{b64(b'\xff')}.{b64(b'x')}",
    "header-not-json": lambda f: f"{b64(b'{')}.{b64(json.dumps(now_claims()).encode())}.{b64(b'x')}",
    "header-a-json-list": lambda f: f"{b64(b'[1, 2]')}.{b64(json.dumps(now_claims()).encode())}.{b64(b'x')}",
    "payload-a-json-list": lambda f: f.signed({"alg": "RS256", "kid": KID}, b"[1, 2]"),
    "payload-not-json": lambda f: f.signed({"alg": "RS256", "kid": KID}, b"not json"),
    "no-alg": lambda f: f.signed({"kid": KID}, json.dumps(now_claims()).encode()),
    "alg-none-with-a-signature": lambda f: f.signed({"alg": "none", "kid": KID}, json.dumps(now_claims()).encode()),
    "kid-a-number": lambda f: f.signed({"alg": "RS256", "kid": 7}, json.dumps(now_claims()).encode()),
    "kid-an-object": lambda f: f.signed({"alg": "RS256", "kid": {"k": KID}}, json.dumps(now_claims()).encode()),
    "no-kid": lambda f: jwt.encode(now_claims(), f.rsa_key, "RS256"),
    "unknown-kid": lambda f: f.mint(headers={"kid": "no-such-key"}),
    "unknown-critical-header": lambda f: f.mint(headers={"crit": ["x-unknown"], "x-unknown": 1}),
    "huge": lambda f: f.mint(padding="x" * 20_000),
    "truncated-signature": lambda f: f.mint()[:-12],
    "another-tokens-signature": lambda f: f.mint("a").rsplit(".", 1)[0] + "." + f.mint("b").rsplit(".", 1)[1],
    "exp-not-a-number": lambda f: f.mint(exp="tomorrow"),
    "not-yet-valid": lambda f: f.mint(nbf=int(time.time()) + 3600),
    "iss-a-list": lambda f: f.signed({"alg": "RS256", "kid": KID}, json.dumps(now_claims(iss=[ISSUER])).encode()),
    "sub-a-number": lambda f: f.mint(sub=12345),
    "sub-empty": lambda f: f.mint(sub=""),
    "sub-blank": lambda f: f.mint(sub="   "),
    "sub-too-long": lambda f: f.mint(sub="s" * 256),
    "id-token": lambda f: f.mint(token_use="id"),
    "token-use-unknown": lambda f: f.mint(token_use="refresh"),
    "no-audience-at-all": lambda f: f.mint(aud=None),
    "audience-list-without-ours": lambda f: f.mint(aud=["another-api", "a-third"]),
    "audience-a-number": lambda f: f.mint(aud=42),
    "cognito-access-token-of-another-client": lambda f: f.mint(aud=None, client_id="other", token_use="access"),
}


def logged_errors(output: str) -> list[dict]:
    """ERROR records, or records with a stack trace, among the JSON log lines printed."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith('{"level"')]
    return [r for r in records if r["level"] in ("ERROR", "CRITICAL") or "exception" in r]


@pytest.mark.parametrize("case", list(BAD_JWTS))
def test_bad_jwt_is_401_in_both_formats_and_logs_no_error(oidc, forge, case, capsys, caplog):
    token = BAD_JWTS[case](forge)
    capsys.readouterr()
    personal = oidc.get(SETTINGS, headers=bearer(token))
    assert personal.status_code == 401, personal.text
    assert personal.headers["WWW-Authenticate"] == "Bearer"
    assert isinstance(personal.json()["detail"], str)
    clock_in = oidc.get(CLOCK_IN_ACTIVE, params={"workspace_id": 1, "user_id": 1}, headers=bearer(token))
    assert clock_in.status_code == 401, clock_in.text
    assert clock_in.json()["success"] is False
    assert logged_errors(capsys.readouterr().out) == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


def test_jwt_with_audience_in_a_list_is_accepted(oidc, mint):
    assert oidc.get(SETTINGS, headers=bearer(mint(aud=["another-api", AUDIENCE]))).status_code == 200


def test_jwt_access_token_is_accepted_and_id_token_of_the_same_user_is_not(oidc, mint):
    assert oidc.get(SETTINGS, headers=bearer(mint("same", token_use="access"))).status_code == 200
    assert oidc.get(SETTINGS, headers=bearer(mint("same", token_use="id"))).status_code == 401


def test_without_a_configured_audience_no_jwt_is_accepted(oidc_app, mint):
    client = oidc_app(oidc_audience="")
    for token in (mint(), mint(aud=None, client_id=AUDIENCE, token_use="access"), mint(aud="")):
        response = client.get(SETTINGS, headers=bearer(token))
        assert response.status_code == 401, response.text
        assert "audience" in response.json()["detail"]


# ------------------------------------------------------- the issuer's keys ---


def refused_url() -> str:
    """A local URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks.json"


class NotHttpServer:
    """Answers every connection with bytes that are not HTTP."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)  # so that the loop sees ``stop``
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/jwks.json"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                connection.sendall(b"\x00\x01 this is no HTTP \r\n\r\n")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._socket.close()


def assert_keys_unavailable(client, token: str) -> None:
    """503 with Retry-After in both formats; not a 401 that signs the user out."""
    personal = client.get(SETTINGS, headers=bearer(token))
    assert personal.status_code == 503, personal.text
    assert int(personal.headers["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in personal.headers
    assert "keys" in personal.json()["detail"]
    clock_in = client.get(CLOCK_IN_ACTIVE, params={"workspace_id": 1, "user_id": 1}, headers=bearer(token))
    assert clock_in.status_code == 503, clock_in.text
    assert int(clock_in.headers["Retry-After"]) >= 1
    assert clock_in.json()["success"] is False
    assert "keys" in clock_in.json()["error"]


def test_jwks_refusing_connections_is_503(oidc_app, mint, capsys):
    client = oidc_app(oidc_jwks_url=refused_url())
    capsys.readouterr()
    assert_keys_unavailable(client, mint())
    assert logged_errors(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html>not json</html>"),
        (200, b"[1, 2]"),
        (200, b'{"keys": []}'),
        (200, b'{"keys": "none"}'),
        (200, b'{"keys": [{"kty": "RSA", "kid": "k"}]}'),  # no usable key
        (200, b"[" * 100_000),  # nested too deep for the JSON parser
        (200, b"\xff\xfe"),
        (500, b'{"message": "internal error"}'),
        (404, b""),
    ],
    ids=["html", "json-list", "no-keys", "keys-not-a-list", "unusable-key", "deep", "not-utf8", "500", "404"],
)
def test_broken_jwks_is_503(oidc, mint, jwks_server, status, body):
    jwks_server.answer(body, status)
    assert_keys_unavailable(oidc, mint())
    assert jwks_server.hits == 1  # tried once; the second request (clock-in) answered at once


def test_jwks_answering_no_http_is_503(oidc_app, mint):
    server = NotHttpServer()
    try:
        assert_keys_unavailable(oidc_app(oidc_jwks_url=server.url), mint())
    finally:
        server.stop()


def test_jwks_that_never_answers_is_503_after_a_short_timeout(oidc, mint, jwks_server):
    jwks_server.hang()
    assert_keys_unavailable(oidc, mint())


def test_last_known_good_keys_serve_through_a_jwks_outage(oidc, mint, jwks_server, clock, signing_key):
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200
    good = {"keys": [RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True) | {"kid": KID, "alg": "RS256"}]}
    jwks_server.answer(b"Service Unavailable", 503)

    clock.advance(minutes=10)  # due for a refresh: it fails, the keys fetched 10 minutes ago still verify
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200
    assert jwks_server.hits == 2
    clock.advance(minutes=49)
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200
    assert jwks_server.hits == 3

    clock.advance(minutes=1)  # jwks_cache_seconds (an hour) past the last good fetch: no key is trusted
    assert_keys_unavailable(oidc, mint())

    jwks_server.answer(good)
    clock.advance(seconds=5)
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200


def test_unknown_key_ids_refresh_the_keys_at_most_once_per_interval(oidc, mint, jwks_server, clock):
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200
    clock.advance(seconds=10)
    for n in range(5):
        assert oidc.get(SETTINGS, headers=bearer(mint(headers={"kid": f"forged-{n}"}))).status_code == 401
    assert jwks_server.hits == 2
    clock.advance(seconds=5)
    assert oidc.get(SETTINGS, headers=bearer(mint(headers={"kid": "forged-again"}))).status_code == 401
    assert jwks_server.hits == 3


def test_a_rotated_key_is_fetched_when_first_seen(oidc, mint, jwks_server, clock, signing_key, other_key):
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200
    keys = [
        RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True) | {"kid": KID, "alg": "RS256"},
        RSAAlgorithm.to_jwk(other_key.public_key(), as_dict=True) | {"kid": "test-key-2", "alg": "RS256"},
    ]
    jwks_server.answer({"keys": keys})
    clock.advance(seconds=5)
    rotated = mint(key=other_key, headers={"kid": "test-key-2"})
    assert oidc.get(SETTINGS, headers=bearer(rotated)).status_code == 200
    assert jwks_server.hits == 2


def test_unknown_key_id_while_the_jwks_is_down_is_503(oidc, mint, jwks_server, clock, other_key):
    """It may be a rotation we cannot see yet: retry, rather than sign the user out."""
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200
    jwks_server.answer(b"", 502)
    clock.advance(seconds=5)
    assert_keys_unavailable(oidc, mint(key=other_key, headers={"kid": "test-key-2"}))
    assert oidc.get(SETTINGS, headers=bearer(mint())).status_code == 200  # the known key still verifies


def test_throttled_subject_lookup_is_503(oidc, mint):
    faults = DynamoFaults(runtime.services().dynamodb)
    try:
        faults.throttle(operation("GetItem"))
        response = oidc.get(SETTINGS, headers=bearer(mint("new-subject")))
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "1"
        assert faults.failed[0] == "GetItem"
    finally:
        faults.remove()
    assert oidc.get(SETTINGS, headers=bearer(mint("new-subject"))).status_code == 200


@pytest.mark.parametrize(("verified", "sees_it"), [(True, True), ("true", True), (False, False), (None, False)])
def test_an_email_invitation_reaches_an_oidc_user_whose_token_carries_the_verified_email(oidc, mint, verified, sees_it):
    """An invitation by email waits for that email to sign up: through OIDC too,
    when the issuer vouches for the address (``email_verified``)."""
    accounts = runtime.services().accounts
    owner = {"headers": bearer(accounts.issue_token(accounts.create_user("owner@example.com")).token)}
    workspace = oidc.post("/api/v1/workspaces", json={"name": "Acme"}, headers=owner["headers"]).json()["id"]
    invited = oidc.post(
        f"/api/v1/workspaces/{workspace}/members",
        json={"email": "Ana@Example.com", "role": "member"},
        headers=owner["headers"],
    )
    assert invited.status_code == 201, invited.text

    ana = bearer(mint("ana-sub", email="ana@example.com", email_verified=verified))
    listed = oidc.get("/api/v1/invitations", headers=ana)
    assert listed.status_code == 200, listed.text
    assert [i["workspace_id"] for i in listed.json()] == ([workspace] if sees_it else [])
    accepted = oidc.post(f"/api/v1/invitations/{workspace}/accept", headers=ana)
    assert accepted.status_code == (200 if sees_it else 404), accepted.text
