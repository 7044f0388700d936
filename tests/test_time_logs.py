"""The mobile time-logs API (seed 003) over HTTP: every route with the
document's bodies, the status rules as the app sees them, totals across two
users, both languages, and every error in the document's format."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.conftest import join
from timetrack.workspaces import SubtaskStatus, TaskStatus

API = "/api/v1/time-logs"
PERSONAL = "/api/v1/time-tracking"
EN = {"Accept-Language": "en"}


@pytest.fixture
def board(services, make_user, clock):
    return build_board(services, make_user, clock)


def build_board(services, make_user, clock) -> SimpleNamespace:
    """The document's world: board "Sprint 1" with card "Implement Login Feature"
    and its two subtasks, an owner and a member of the workspace (both in
    Asia/Jakarta, assigned to the card), an outsider; 2025-10-31 08:30 +07:00."""
    clock.set("2025-10-31T01:30:00+00:00")
    owner, member, outsider = (make_user(f"{name}@example.com") for name in ("john_doe", "jane", "outsider"))
    for person in (owner, member, outsider):
        services.settings.update(person["user_id"], {"timezone": "Asia/Jakarta"})
    ws, cards = services.workspaces, services.cards
    workspace, _ = ws.create(owner["user_id"], "Acme")
    join(services, workspace.id, member["user_id"], by=owner["user_id"])
    project = ws.create_project(owner["user_id"], workspace.id, "Sprint 1", Decimal("50"))
    card = ws.create_task(owner["user_id"], workspace.id, project.id, "Implement Login Feature")
    other = ws.create_task(owner["user_id"], workspace.id, project.id, "Write docs")
    form = cards.create_subtask(owner["user_id"], workspace.id, card.id, "Create login form UI")
    validation = cards.create_subtask(owner["user_id"], workspace.id, card.id, "Add validation")
    for person in (owner, member):
        cards.assign(owner["user_id"], workspace.id, card.id, person["user_id"])
    return SimpleNamespace(
        ws=workspace.id,
        card=card.id,
        other=other.id,
        form=form.id,
        validation=validation.id,
        owner=owner,
        member=member,
        outsider=outsider,
    )


def start(client, who: dict, **body):
    return client.post(f"{API}/start", json=body, headers=who["headers"])


def started(client, who: dict, **body) -> dict:
    response = start(client, who, **body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def stop(client, who: dict, log_id: int, body: dict | None = None, headers: dict | None = None):
    return client.post(f"{API}/{log_id}/stop", json=body, headers=who["headers"] | (headers or {}))


def card_status(services, board) -> TaskStatus:
    return services.workspaces.find_task(board.ws, board.card).status


def subtask_status(services, board, subtask_id: int) -> SubtaskStatus:
    return services.cards.find_subtask(board.ws, subtask_id).status


# -- start, ongoing, stop ----------------------------------------------------------------


def test_start_on_a_card_answers_the_documents_body_and_moves_the_card(client, services, board):
    response = start(client, board.owner, card_id=board.card, description="Starting work on login feature")

    assert response.status_code == 201
    assert response.json() == {
        "success": True,
        "message": "Time tracking dimulai",
        "data": {
            "id": response.json()["data"]["id"],
            "card_id": board.card,
            "card_title": "Implement Login Feature",
            "board_name": "Sprint 1",
            "subtask_id": None,
            "subtask_name": None,
            "start_time": "2025-10-31T08:30:00+07:00",
            "description": "Starting work on login feature",
        },
    }
    assert isinstance(response.json()["data"]["id"], int)
    assert card_status(services, board) is TaskStatus.IN_PROGRESS
    assert {subtask_status(services, board, s) for s in (board.form, board.validation)} == {SubtaskStatus.TODO}


def test_ongoing_shows_the_running_timer_with_its_elapsed_time_then_none(client, board, clock):
    assert client.get(f"{API}/ongoing", headers=board.owner["headers"]).json() == {
        "success": True,
        "message": "Tidak ada timer yang sedang berjalan",
        "data": None,
    }
    log = started(client, board.owner, card_id=board.card, description="Working on login UI")
    clock.advance(minutes=45, seconds=59)

    response = client.get(f"{API}/ongoing", headers=board.owner["headers"])

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Ongoing timer ditemukan",
        "data": {
            "id": log["id"],
            "card_id": board.card,
            "card_title": "Implement Login Feature",
            "board_name": "Sprint 1",
            "subtask_id": None,
            "subtask_name": None,
            "start_time": "2025-10-31T08:30:00+07:00",
            "elapsed_minutes": 45,
            "elapsed_formatted": "45 menit",
            "description": "Working on login UI",
        },
    }
    assert client.get(f"{API}/ongoing", headers=board.member["headers"]).json()["data"] is None


def test_stop_answers_whole_minutes_replaces_the_description_and_keeps_statuses(client, services, board, clock):
    log = started(client, board.owner, subtask_id=board.form, description="Working on login authentication")
    clock.advance(hours=2, minutes=15, seconds=59)

    response = stop(client, board.owner, log["id"], {"description": "Completed login authentication"})

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Time tracking dihentikan",
        "data": {
            "id": log["id"],
            "card_id": board.card,
            "card_title": "Implement Login Feature",
            "board_name": "Sprint 1",
            "subtask_id": board.form,
            "subtask_name": "Create login form UI",
            "start_time": "2025-10-31T08:30:00+07:00",
            "end_time": "2025-10-31T10:45:59+07:00",
            "duration_minutes": 135,
            "duration_formatted": "2 jam 15 menit",
            "description": "Completed login authentication",
        },
    }
    assert subtask_status(services, board, board.form) is SubtaskStatus.IN_PROGRESS  # a stop moves no status
    assert card_status(services, board) is TaskStatus.TODO


def test_stop_without_a_description_keeps_the_old_one_and_a_stopped_log_cannot_stop_again(client, board, clock):
    log = started(client, board.owner, card_id=board.card, description="Kept")
    clock.advance(minutes=10)
    assert stop(client, board.owner, log["id"]).json()["data"]["description"] == "Kept"

    again = stop(client, board.owner, log["id"], {"description": "Changed"})

    assert again.status_code == 400
    assert again.json() == {"success": False, "message": "Time log ini sudah dihentikan"}
    listed = client.get(API, headers=board.owner["headers"]).json()["data"]
    assert [(item["id"], item["description"]) for item in listed] == [(log["id"], "Kept")]


def test_a_timer_running_from_any_api_refuses_a_start_naming_it(client, board):
    first = started(client, board.owner, card_id=board.card)

    refused = start(client, board.owner, card_id=board.other)

    assert refused.status_code == 400
    assert refused.json() == {
        "success": False,
        "message": "Anda masih memiliki timer yang sedang berjalan",
        "data": {"ongoing_timer_id": first["id"], "card_title": "Implement Login Feature"},
    }
    personal = client.post(f"{PERSONAL}/sessions/start", headers=board.member["headers"])
    assert personal.status_code == 201
    assert start(client, board.member, card_id=board.card).json()["data"] == {
        "ongoing_timer_id": personal.json()["id"],
        "card_title": None,  # a personal timer is on no card
    }


# -- who may do what -----------------------------------------------------------------------


def test_only_the_logs_owner_stops_edits_or_deletes_it(client, board):
    log = started(client, board.member, card_id=board.card)
    forbidden = {"success": False, "message": "Anda tidak memiliki izin untuk tracking waktu di card ini"}
    for other in (board.owner, board.outsider):  # a manager of the workspace is no owner of the log either
        assert stop(client, other, log["id"]).json() == forbidden
        for method, body in (("PUT", {"description": "Mine now"}), ("DELETE", None)):
            response = client.request(method, f"{API}/{log['id']}", json=body, headers=other["headers"])
            assert (response.status_code, response.json()) == (403, forbidden)
    assert stop(client, board.member, log["id"]).status_code == 200


def test_outsiders_are_refused_the_card_and_unknown_ids_are_not_found(client, board):
    forbidden = {"success": False, "message": "Anda tidak memiliki izin untuk tracking waktu di card ini"}
    not_found = {"success": False, "message": "Resource not found"}
    outsider = board.outsider["headers"]
    for response in (
        start(client, board.outsider, card_id=board.card),
        start(client, board.outsider, subtask_id=board.form),
        client.get(f"{API}/card/{board.card}/total", headers=outsider),
        client.get(f"{API}/subtask/{board.form}/total", headers=outsider),
        client.patch(f"{API}/card/status", json={"card_id": board.card, "status": "done"}, headers=outsider),
        client.patch(f"{API}/subtask/status", json={"subtask_id": board.form, "status": "done"}, headers=outsider),
    ):
        assert (response.status_code, response.json()) == (403, forbidden), response.request.url
    for response in (
        start(client, board.owner, card_id=987654),
        start(client, board.owner, subtask_id=987654),
        stop(client, board.owner, 987654),
        client.put(f"{API}/987654", json={"description": "x"}, headers=board.owner["headers"]),
        client.delete(f"{API}/987654", headers=board.owner["headers"]),
        client.get(f"{API}/card/987654/total", headers=board.owner["headers"]),
        client.get(f"{API}/subtask/987654/total", headers=board.owner["headers"]),
        client.patch(f"{API}/card/status", json={"card_id": 987654, "status": "done"}, headers=board.owner["headers"]),
        client.patch(
            f"{API}/subtask/status", json={"subtask_id": 987654, "status": "done"}, headers=board.owner["headers"]
        ),
    ):
        assert (response.status_code, response.json()) == (404, not_found), response.request.url


# -- the status rules through the API --------------------------------------------------------


def test_a_subtask_alone_means_its_card_and_moves_only_the_subtask(client, services, board):
    log = started(client, board.member, subtask_id=board.form)

    assert (log["card_id"], log["subtask_id"], log["subtask_name"]) == (board.card, board.form, "Create login form UI")
    assert subtask_status(services, board, board.form) is SubtaskStatus.IN_PROGRESS
    assert card_status(services, board) is TaskStatus.TODO


def test_a_subtask_of_another_card_is_invalid(client, board):
    response = start(client, board.owner, card_id=board.other, subtask_id=board.form)

    assert response.status_code == 422
    body = response.json()
    assert (body["success"], body["message"], list(body["errors"])) == (False, "Validasi gagal", ["subtask_id"])


def test_a_card_in_review_is_not_moved_back_and_a_done_subtask_stays_done(client, services, board, clock):
    services.cards.set_subtask_status(board.owner["user_id"], board.ws, board.validation, SubtaskStatus.DONE)
    on_subtask = started(client, board.owner, subtask_id=board.validation)
    assert subtask_status(services, board, board.validation) is SubtaskStatus.DONE
    stop(client, board.owner, on_subtask["id"])
    for subtask in (board.form, board.validation):
        services.cards.set_subtask_status(board.owner["user_id"], board.ws, subtask, SubtaskStatus.DONE)
    services.cards.set_task_status(board.owner["user_id"], board.ws, board.card, TaskStatus.REVIEW)

    started(client, board.owner, card_id=board.card)

    assert card_status(services, board) is TaskStatus.REVIEW


def test_a_card_goes_to_review_only_once_every_subtask_is_done(client, board):
    headers = board.member["headers"]
    client.patch(f"{API}/subtask/status", json={"subtask_id": board.form, "status": "in progress"}, headers=headers)

    refused = client.patch(f"{API}/card/status", json={"card_id": board.card, "status": "review"}, headers=headers)

    assert refused.status_code == 400
    assert refused.json() == {
        "success": False,
        "message": 'Tidak bisa mengubah status card ke "review" karena masih ada subtask yang belum selesai',
        "data": {
            "unfinished_subtasks_count": 2,
            "total_subtasks": 2,
            "unfinished_subtasks": [
                {"id": board.form, "name": "Create login form UI", "status": "in progress"},
                {"id": board.validation, "name": "Add validation", "status": "to do"},
            ],
        },
    }
    for subtask in (board.form, board.validation):
        done = client.patch(f"{API}/subtask/status", json={"subtask_id": subtask, "status": "done"}, headers=headers)
        assert done.status_code == 200
    assert done.json() == {
        "success": True,
        "message": "Status subtask berhasil diupdate ke done",
        "data": {
            "subtask_id": board.validation,
            "subtask_name": "Add validation",
            "status": "done",
            "card_id": board.card,
            "card_title": "Implement Login Feature",
        },
    }

    allowed = client.patch(f"{API}/card/status", json={"card_id": board.card, "status": "review"}, headers=headers)

    assert allowed.status_code == 200
    assert allowed.json() == {
        "success": True,
        "message": "Status card berhasil diupdate ke review",
        "data": {
            "card_id": board.card,
            "card_title": "Implement Login Feature",
            "status": "review",
            "all_subtasks_done": True,
            "total_subtasks": 2,
        },
    }


def test_a_card_without_subtasks_moves_freely(client, board):
    response = client.patch(
        f"{API}/card/status", json={"card_id": board.other, "status": "done"}, headers=board.member["headers"]
    )
    assert response.status_code == 200
    assert response.json()["data"] == {
        "card_id": board.other,
        "card_title": "Write docs",
        "status": "done",
        "all_subtasks_done": True,
        "total_subtasks": 0,
    }


def test_assignment_timestamps_on_first_and_later_starts_and_stops(client, services, board, clock):
    def assignment():
        return services.cards.assignment(board.ws, board.card, board.member["user_id"])

    assert (assignment().assignment_status, assignment().started_at) == ("assigned", None)
    first = started(client, board.member, card_id=board.card)
    first_start = clock.now
    assert (assignment().assignment_status, assignment().started_at) == ("in_progress", first_start)
    clock.advance(minutes=30)
    stop(client, board.member, first["id"])
    assert (assignment().assignment_status, assignment().completed_at) == ("completed", clock.now)

    clock.advance(hours=1)
    started(client, board.member, subtask_id=board.form)

    assert assignment().assignment_status == "in_progress"
    assert assignment().started_at == first_start  # set the first time only


# -- totals ------------------------------------------------------------------------------------


def test_totals_are_every_users_completed_logs_after_start_stop_edit_and_delete(client, board, clock):
    def totals() -> tuple[dict, dict]:
        card = client.get(f"{API}/card/{board.card}/total", headers=board.member["headers"])
        subtask = client.get(f"{API}/subtask/{board.form}/total", headers=board.owner["headers"])
        assert card.status_code == subtask.status_code == 200
        return card.json()["data"], subtask.json()["data"]

    mine = started(client, board.owner, subtask_id=board.form)
    theirs = started(client, board.member, card_id=board.card)
    clock.advance(hours=3)
    stop(client, board.owner, mine["id"])  # 180 minutes on the subtask (and the card)
    clock.advance(hours=4, minutes=30)
    stop(client, board.member, theirs["id"])  # 450 minutes on the card alone
    card, subtask = totals()
    assert card == {
        "card_id": board.card,
        "card_title": "Implement Login Feature",
        "total_minutes": 630,
        "total_hours": 10.5,
        "formatted": "10 jam 30 menit",
        "logs_count": 2,
    }
    assert subtask == {
        "subtask_id": board.form,
        "subtask_name": "Create login form UI",
        "total_minutes": 180,
        "total_hours": 3,
        "formatted": "3 jam",
        "logs_count": 1,
    }

    running = started(client, board.owner, card_id=board.card)  # counted, not yet timed
    assert totals()[0]["logs_count"] == 3
    assert totals()[0]["total_minutes"] == 630
    client.put(f"{API}/{theirs['id']}", json={"description": "Edited"}, headers=board.member["headers"])
    edit = client.put(
        f"{PERSONAL}/entries/{mine['id']}",
        json={"end_time": "2025-10-31T09:30:00+07:00"},
        headers=board.owner["headers"],
    )
    assert edit.status_code == 200, edit.text  # the same log edited through the personal API: 60 minutes now
    assert (totals()[0]["total_minutes"], totals()[1]["total_minutes"]) == (510, 60)

    client.delete(f"{API}/{theirs['id']}", headers=board.member["headers"])
    client.delete(f"{API}/{running['id']}", headers=board.owner["headers"])

    card, subtask = totals()
    assert (card["total_minutes"], card["total_hours"], card["formatted"], card["logs_count"]) == (60, 1, "1 jam", 1)
    assert (subtask["total_minutes"], subtask["logs_count"]) == (60, 1)


# -- the history ----------------------------------------------------------------------------------


def test_list_filters_pages_and_counts(client, board, clock):
    ids = []
    for minutes, where in ((135, {"card_id": board.card}), (45, {"subtask_id": board.form}), (60, {})):
        log = started(client, board.owner, **(where or {"card_id": board.other}))
        ids.append(log["id"])
        clock.advance(minutes=minutes)
        if minutes != 60:
            stop(client, board.owner, log["id"])
            clock.advance(minutes=5)
    headers = board.owner["headers"]

    everything = client.get(API, params={"per_page": 2}, headers=headers).json()
    second = client.get(API, params={"per_page": 2, "page": 2}, headers=headers).json()
    completed = client.get(API, params={"status": "completed", "card_id": board.card}, headers=headers).json()
    ongoing = client.get(API, params={"status": "ongoing"}, headers=headers).json()
    on_subtask = client.get(API, params={"subtask_id": board.form}, headers=headers).json()

    assert everything["message"] == "Time logs berhasil diambil"
    assert [log["id"] for log in everything["data"] + second["data"]] == ids[::-1]  # newest first
    assert everything["meta"] == {
        "total": 3,
        "ongoing_count": 1,
        "completed_count": 2,
        "current_page": 1,
        "last_page": 2,
        "per_page": 2,
    }
    assert second["meta"]["current_page"] == 2
    assert [log["id"] for log in completed["data"]] == ids[1::-1]
    assert completed["meta"] | {"per_page": None} == {
        "total": 2,
        "ongoing_count": 0,
        "completed_count": 2,
        "current_page": 1,
        "last_page": 1,
        "per_page": None,
    }
    assert completed["meta"]["per_page"] == 20
    assert [log["id"] for log in ongoing["data"]] == [ids[2]]
    assert [log["id"] for log in on_subtask["data"]] == [ids[1]]
    first = completed["data"][1]
    assert first == {
        "id": ids[0],
        "card_id": board.card,
        "card_title": "Implement Login Feature",
        "board_name": "Sprint 1",
        "subtask_id": None,
        "subtask_name": None,
        "user_id": board.owner["user_id"],
        "user_name": "john_doe",
        "start_time": "2025-10-31T08:30:00+07:00",
        "end_time": "2025-10-31T10:45:00+07:00",
        "duration_minutes": 135,
        "duration_formatted": "2 jam 15 menit",
        "description": None,
        "is_ongoing": False,
        "created_at": "2025-10-31T08:30:00+07:00",
        "updated_at": "2025-10-31T10:45:00+07:00",
    }
    running = ongoing["data"][0]
    assert (running["end_time"], running["duration_minutes"], running["is_ongoing"]) == (None, None, True)
    assert client.get(API, headers=board.member["headers"]).json()["meta"]["total"] == 0  # only the caller's


def test_a_log_is_the_same_entry_in_the_personal_api(client, board, clock):
    log = started(client, board.member, card_id=board.card, description="From the phone")
    clock.advance(minutes=20)

    entries = client.get(f"{PERSONAL}/entries", headers=board.member["headers"]).json()

    assert [(e["id"], e["notes"], e["end_time"]) for e in entries] == [(log["id"], "From the phone", None)]
    stopped = client.post(f"{PERSONAL}/sessions/{log['id']}/stop", headers=board.member["headers"])
    assert stopped.status_code == 200
    assert client.get(f"{API}/ongoing", headers=board.member["headers"]).json()["data"] is None
    assert client.get(API, headers=board.member["headers"]).json()["data"][0]["duration_minutes"] == 20


def test_update_and_delete_answer_the_documents_bodies(client, board, clock):
    log = started(client, board.owner, card_id=board.card)
    clock.advance(minutes=5)
    stop(client, board.owner, log["id"])

    updated = client.put(
        f"{API}/{log['id']}", json={"description": "Updated work description"}, headers=board.owner["headers"]
    )
    deleted = client.delete(f"{API}/{log['id']}", headers=board.owner["headers"])

    assert (updated.status_code, updated.json()) == (
        200,
        {
            "success": True,
            "message": "Time log berhasil diupdate",
            "data": {"id": log["id"], "description": "Updated work description"},
        },
    )
    assert (deleted.status_code, deleted.json()) == (200, {"success": True, "message": "Time log berhasil dihapus"})
    assert client.get(API, headers=board.owner["headers"]).json()["data"] == []
