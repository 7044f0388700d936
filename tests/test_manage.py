"""The management CLI (`python -m local.manage`): users and tokens, used
against the API they are for; `--local` (what `make user` passes) finds the
running stack itself (tests/test_local_server.py runs it against one)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest

from local import manage

SETTINGS = "/api/v1/time-tracking/settings"
TOKEN = re.compile(r"tt_[A-Za-z0-9]{32}")


@pytest.fixture(autouse=True)
def in_process_aws(services, monkeypatch):
    """manage.main uses the process's container: the `services` fixture's, on moto."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one CLI run, as a shell would see them."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    try:
        code = manage.main(list(argv))
    except SystemExit as exit_:
        if isinstance(exit_.code, str):  # what the interpreter does with SystemExit("message")
            print(exit_.code, file=sys.stderr)
            code = 1
        else:
            code = exit_.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def one_json_object(text: str) -> dict:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one JSON line, got {text!r}"
    value = json.loads(lines[0])
    assert isinstance(value, dict)
    return value


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_create_user_prints_user_and_working_token(capsys, monkeypatch, client):
    code, out, err = run(capsys, monkeypatch, "create-user", "--email", "A@Example.com")
    assert code == 0, err
    created = one_json_object(out)
    assert set(created) == {"user_id", "email", "token"}
    assert type(created["user_id"]) is int
    assert 0 < created["user_id"] < 2**53
    assert created["email"] == "a@example.com"
    assert TOKEN.fullmatch(created["token"])

    assert client.get(SETTINGS, headers=bearer(created["token"])).status_code == 200
    assert client.get(SETTINGS, headers={"X-API-Key": created["token"]}).status_code == 200
    entry = client.post(
        "/api/v1/time-tracking/sessions/start", json={"hourly_rate": 10}, headers=bearer(created["token"])
    )
    assert entry.status_code == 201, entry.text
    assert entry.json()["user_id"] == created["user_id"]


def test_create_user_twice_fails_with_json_error(capsys, monkeypatch, services):
    code, out, _ = run(capsys, monkeypatch, "create-user", "--email", "A@Example.com")
    assert code == 0
    first = one_json_object(out)
    for email in ("A@Example.com", "a@example.com", "  A@EXAMPLE.COM "):
        code, out, err = run(capsys, monkeypatch, "create-user", "--email", email)
        assert code != 0
        assert out == ""
        error = one_json_object(err)
        assert "a@example.com" in error["error"]
    assert services.accounts.user_id_for_email("a@example.com") == first["user_id"]


def test_create_token_adds_a_second_working_token(capsys, monkeypatch, client):
    _, out, _ = run(capsys, monkeypatch, "create-user", "--email", "bob@example.com")
    user = one_json_object(out)
    code, out, err = run(capsys, monkeypatch, "create-token", "--email", "BOB@example.com", "--name", "laptop")
    assert code == 0, err
    issued = one_json_object(out)
    assert issued["user_id"] == user["user_id"]
    assert TOKEN.fullmatch(issued["token"])
    assert issued["token"] != user["token"]
    for token in (user["token"], issued["token"]):
        assert client.get(SETTINGS, headers=bearer(token)).status_code == 200
    # Both tokens act for the same user.
    started = client.post("/api/v1/time-tracking/sessions/start", headers=bearer(user["token"]))
    assert started.status_code == 201
    active = client.get("/api/v1/time-tracking/sessions/active", headers=bearer(issued["token"]))
    assert active.json()["id"] == started.json()["id"]


def test_create_token_for_unknown_email_fails_with_json_error(capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "create-token", "--email", "nobody@example.com")
    assert code != 0
    assert out == ""
    error = one_json_object(err)
    assert "nobody@example.com" in error["error"]


def test_expiring_token(capsys, monkeypatch, client, clock):
    code, out, err = run(capsys, monkeypatch, "create-user", "--email", "temp@example.com", "--expires-in-days", "2")
    assert code == 0, err
    created = one_json_object(out)
    assert created["expires_at"] == "2024-01-24T09:00:00+00:00"  # the clock's now + 2 days
    clock.set("2024-01-24T08:59:00+00:00")
    assert client.get(SETTINGS, headers=bearer(created["token"])).status_code == 200
    clock.set("2024-01-24T09:00:01+00:00")
    assert client.get(SETTINGS, headers=bearer(created["token"])).status_code == 401


def test_revoke_token_from_stdin(capsys, monkeypatch, client):
    _, out, _ = run(capsys, monkeypatch, "create-user", "--email", "carol@example.com")
    user = one_json_object(out)
    _, out, _ = run(capsys, monkeypatch, "create-token", "--email", "carol@example.com")
    spare = one_json_object(out)
    assert client.get(SETTINGS, headers=bearer(user["token"])).status_code == 200

    code, out, err = run(capsys, monkeypatch, "revoke-token", "--token-stdin", stdin=user["token"] + "\n")
    assert code == 0, err
    assert one_json_object(out) == {"revoked": True}
    assert user["token"] not in out + err

    response = client.get(SETTINGS, headers=bearer(user["token"]))
    assert response.status_code == 401
    assert client.get(SETTINGS, headers={"X-API-Key": user["token"]}).status_code == 401
    assert client.get(SETTINGS, headers=bearer(spare["token"])).status_code == 200


def test_revoke_unknown_token_fails_with_json_error(capsys, monkeypatch):
    unknown = "tt_" + "x" * 32
    code, out, err = run(capsys, monkeypatch, "revoke-token", "--token-stdin", stdin=unknown + "\n")
    assert code != 0
    assert out == ""
    assert "error" in one_json_object(err)
    assert unknown not in err


def test_revoke_requires_token_on_stdin_not_argv(capsys, monkeypatch):
    """A token on the command line would land in shell history."""
    with pytest.raises(SystemExit) as exited:
        manage.main(["revoke-token", "tt_" + "x" * 32])
    assert exited.value.code == 2


@pytest.mark.parametrize("state", ["missing", "left by a stopped stack"])
def test_local_without_a_running_stack_says_so_in_one_line(capsys, monkeypatch, tmp_path, state):
    stack_file = tmp_path / "stack.json"
    monkeypatch.setenv("TIMETRACK_STACK_FILE", str(stack_file))
    if state != "missing":
        stack_file.write_text(json.dumps({"pid": _dead_pid(), "port": 8000, "moto_port": 8001}))
    code, out, err = run(capsys, monkeypatch, "--local", "create-user", "--email", "a@example.com")
    assert code == 1
    assert out == ""
    assert one_json_object(err) == {
        "error": "no local stack is running: start one with `make run` (in another terminal)"
    }


def _dead_pid() -> int:
    """The pid of a process that has ended (as after `make run` was killed)."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid
