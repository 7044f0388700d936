"""docs/openapi.json is the committed contract: it must be what the code documents."""

from __future__ import annotations

import json

import pytest

from local.openapi import COMMITTED, render


def test_committed_openapi_document_matches_the_code():
    rendered = render()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else "{}"
    if committed != rendered:
        now, before = json.loads(rendered).get("paths", {}), json.loads(committed).get("paths", {})
        changed = sorted(path for path in now.keys() | before.keys() if now.get(path) != before.get(path))
        pytest.fail(
            f"docs/openapi.json is out of date (paths changed: {', '.join(changed) or 'none, other parts did'})."
            " Run `make openapi` and commit docs/openapi.json."
        )
