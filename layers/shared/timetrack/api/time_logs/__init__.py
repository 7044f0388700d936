"""The time-logs dialect (seed 003, the mobile app's API under ``/api/v1/time-logs``):
its words and languages (``catalogue``), schemas, renderer and its one error mapper."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from .catalogue import Lang, language


def _language(
    accept_language: Annotated[
        str | None,
        Header(description="`en` for English answers; Indonesian (the document's) otherwise", examples=["en"]),
    ] = None,
) -> Lang:
    return language(accept_language)


Language = Annotated[Lang, Depends(_language)]
"""The language of the answer, from ``Accept-Language``."""
