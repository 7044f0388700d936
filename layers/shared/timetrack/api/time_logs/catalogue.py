"""Every word the time-logs API (seed 003) says, in its two languages.

Indonesian, the document's language, is the default; a request whose
``Accept-Language`` prefers English (``en``, ``en-US;q=0.9``, ...) over
Indonesian is answered in English. The Indonesian strings are the
document's own, letter for letter. Field messages inside a 422's ``errors``
are Laravel's English ones in both languages, as the document shows them
(``"The card_id field is required when subtask_id is not present."``).

Durations: ``"2 jam 15 menit"`` / ``"2 h 15 min"``: whole hours (past 24
they stay hours) and minutes, no part that is zero, no padding; nothing at
all is ``"0 menit"`` / ``"0 min"``.
"""

from __future__ import annotations

from enum import StrEnum


class Lang(StrEnum):
    ID = "id"
    EN = "en"


DEFAULT = Lang.ID


def language(accept_language: str | None) -> Lang:
    """The language of the answer: the first of ``id``/``en`` by the header's
    preference (``q``, then order); the default when it names neither."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in (Lang.ID, Lang.EN):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, Lang(primary)))
    return min(ranked)[2] if ranked else DEFAULT


_MESSAGES: dict[str, dict[Lang, str]] = {
    # -- answers -------------------------------------------------------------------
    "listed": {Lang.ID: "Time logs berhasil diambil", Lang.EN: "Time logs retrieved"},
    "ongoing": {Lang.ID: "Ongoing timer ditemukan", Lang.EN: "Ongoing timer found"},
    "no_ongoing": {Lang.ID: "Tidak ada timer yang sedang berjalan", Lang.EN: "No timer is running"},
    "started": {Lang.ID: "Time tracking dimulai", Lang.EN: "Time tracking started"},
    "stopped": {Lang.ID: "Time tracking dihentikan", Lang.EN: "Time tracking stopped"},
    "updated": {Lang.ID: "Time log berhasil diupdate", Lang.EN: "Time log updated"},
    "deleted": {Lang.ID: "Time log berhasil dihapus", Lang.EN: "Time log deleted"},
    "total": {Lang.ID: "Total waktu berhasil dihitung", Lang.EN: "Total time calculated"},
    "subtask_status": {
        Lang.ID: "Status subtask berhasil diupdate ke {status}",
        Lang.EN: "Subtask status updated to {status}",
    },
    "card_status": {Lang.ID: "Status card berhasil diupdate ke {status}", Lang.EN: "Card status updated to {status}"},
    # -- refusals ------------------------------------------------------------------
    "timer_running": {
        Lang.ID: "Anda masih memiliki timer yang sedang berjalan",
        Lang.EN: "You still have a timer running",
    },
    "not_running": {Lang.ID: "Time log ini sudah dihentikan", Lang.EN: "This time log has already been stopped"},
    "subtasks_unfinished": {
        Lang.ID: 'Tidak bisa mengubah status card ke "{status}" karena masih ada subtask yang belum selesai',
        Lang.EN: 'Cannot change the card status to "{status}" while some subtasks are not done',
    },
    "conflict": {
        Lang.ID: "Permintaan bertentangan dengan data saat ini, coba lagi",
        Lang.EN: "The request conflicts with the current state; retry",
    },
    "bad_request": {Lang.ID: "Permintaan tidak valid", Lang.EN: "Bad request"},
    "validation": {Lang.ID: "Validasi gagal", Lang.EN: "Validation failed"},
    "card_or_subtask": {Lang.ID: "Card ID atau Subtask ID harus diisi", Lang.EN: "Card ID or Subtask ID is required"},
    "unauthenticated": {Lang.ID: "Unauthenticated.", Lang.EN: "Unauthenticated."},
    "forbidden": {
        Lang.ID: "Anda tidak memiliki izin untuk tracking waktu di card ini",
        Lang.EN: "You are not allowed to track time on this card",
    },
    "missing_scope": {
        Lang.ID: "Token ini tidak memiliki scope {scope} yang dibutuhkan endpoint ini",
        Lang.EN: "This token lacks the {scope} scope this endpoint requires",
    },
    "not_found": {Lang.ID: "Resource not found", Lang.EN: "Resource not found"},
    "method_not_allowed": {Lang.ID: "Metode tidak diizinkan untuk endpoint ini", Lang.EN: "Method not allowed"},
    "too_large": {Lang.ID: "Body permintaan terlalu besar", Lang.EN: "Request body too large"},
    "idempotency_in_flight": {
        Lang.ID: "Permintaan dengan Idempotency-Key ini masih diproses, coba lagi sebentar",
        Lang.EN: "A request with this Idempotency-Key is still in progress; retry shortly",
    },
    "idempotency_reused": {
        Lang.ID: "Idempotency-Key ini sudah dipakai untuk permintaan lain",
        Lang.EN: "This Idempotency-Key was used for a different request",
    },
    "rate_limited": {
        Lang.ID: "Terlalu banyak permintaan, coba lagi dalam {seconds} detik",
        Lang.EN: "Too many requests; retry in {seconds} s",
    },
    "unavailable": {
        Lang.ID: "Layanan sedang sibuk atau tidak tersedia, coba lagi dalam {seconds} detik",
        Lang.EN: "A backing service is busy or unavailable; retry in {seconds} s",
    },
    "internal": {Lang.ID: "Internal server error", Lang.EN: "Internal server error"},
}

# A 500 names what failed, as the document's "Gagal memulai time tracking: Internal server error"
# does; keyed by the route's operation id.
_FAILED: dict[str, dict[Lang, str]] = {
    "listTimeLogs": {Lang.ID: "Gagal mengambil time logs", Lang.EN: "Could not retrieve time logs"},
    "getOngoingTimeLog": {Lang.ID: "Gagal mengecek timer", Lang.EN: "Could not check the timer"},
    "startTimeLog": {Lang.ID: "Gagal memulai time tracking", Lang.EN: "Could not start time tracking"},
    "stopTimeLog": {Lang.ID: "Gagal menghentikan time tracking", Lang.EN: "Could not stop time tracking"},
    "updateTimeLog": {Lang.ID: "Gagal mengupdate time log", Lang.EN: "Could not update the time log"},
    "deleteTimeLog": {Lang.ID: "Gagal menghapus time log", Lang.EN: "Could not delete the time log"},
    "getCardTotal": {Lang.ID: "Gagal menghitung total waktu", Lang.EN: "Could not calculate the total time"},
    "getSubtaskTotal": {Lang.ID: "Gagal menghitung total waktu", Lang.EN: "Could not calculate the total time"},
    "updateSubtaskStatus": {Lang.ID: "Gagal mengupdate status subtask", Lang.EN: "Could not update the subtask status"},
    "updateCardStatus": {Lang.ID: "Gagal mengupdate status card", Lang.EN: "Could not update the card status"},
}
OPERATIONS = tuple(_FAILED)
"""The operation ids of the API's routes (each has its 500 message)."""


def message(key: str, lang: Lang, **values: object) -> str:
    return _MESSAGES[key][lang].format(**values)


def failed(operation_id: str | None, lang: Lang) -> str:
    """The 500's message: ``"<what failed>: Internal server error"``, or only the latter
    outside any route."""
    internal = message("internal", lang)
    what = _FAILED.get(operation_id or "")
    return f"{what[lang]}: {internal}" if what else internal


_UNITS = {Lang.ID: ("jam", "menit"), Lang.EN: ("h", "min")}


def duration(minutes: int, lang: Lang) -> str:
    """135 -> "2 jam 15 menit", 180 -> "3 jam", 45 -> "45 menit", 0 -> "0 menit", 1500 -> "25 jam"."""
    hour_unit, minute_unit = _UNITS[lang]
    hours, rest = divmod(max(minutes, 0), 60)
    parts = [f"{hours} {hour_unit}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} {minute_unit}")
    return " ".join(parts)
