"""Seed 002's own examples, read from the document itself, run against the API
over real HTTP as `make run` serves it (``api_url``): its Python example with
`requests`, and every `curl` example with the curl program. Only the host and
the token are replaced (by the server's address and `make run`'s demo
token); the ids they name (project 1) are the demo workspace's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from local.stack import DEMO_TOKEN

SEED_FILE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_bafbfe4bdc45f85d.txt"
HOST = "https://your-domain.com"
TOKENS = ("tt_your_token_here", "YOUR_API_TOKEN", "YOUR_TOKEN")


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED_FILE.is_file():
        pytest.fail(f"seed contract missing: {SEED_FILE} (expected the shared seeds next to the repository)")
    return SEED_FILE.read_text(encoding="utf-8")


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def pointed_at(code: str, url: str) -> str:
    for placeholder in TOKENS:
        code = code.replace(placeholder, DEMO_TOKEN)
    return code.replace(HOST, url)


def answers(output: str) -> list[dict]:
    """The JSON documents curl printed one after another."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output):
        document, at = decoder.raw_decode(output, at)
        found.append(document)
    return found


def test_the_python_example_lists_projects_and_creates_a_time_entry(seed, api_url):
    (example,) = blocks(seed, "python")
    namespace: dict = {}

    exec(pointed_at(example, api_url), namespace)  # noqa: S102 (the seed's own example)

    assert [project["id"] for project in namespace["projects"]["projects"]] == [1]
    created = namespace["response"]
    assert created.status_code == 201, created.text
    entry = created.json()["time_entry"]
    assert (entry["project_id"], entry["start_time"], entry["end_time"]) == (
        1, "2024-01-15T09:00:00Z", "2024-01-15T17:00:00Z",
    )  # fmt: skip
    assert (entry["notes"], entry["billable"], entry["duration_hours"]) == ("Development work", True, 8.0)


def test_every_curl_example_answers_as_documented(seed, api_url):
    examples = [block for block in blocks(seed, "bash") if "curl" in block]
    assert len(examples) == 5  # two ways to authenticate, two filtered lists, and the cURL section
    curl = shutil.which("curl")
    assert curl, "the curl program is needed"

    outputs = []
    for example in examples:
        ran = subprocess.run(  # noqa: S603 (the seed's own commands, run by bash)
            ["/bin/bash", "-e", "-c", pointed_at(example, api_url)], capture_output=True, text=True, timeout=60
        )
        assert ran.returncode == 0, ran.stderr
        outputs.append(answers(ran.stdout))

    bearer, api_key, active_projects, filtered_entries, (listed, created) = outputs
    assert [p["id"] for p in bearer[0]["projects"]] == [1]
    assert api_key == bearer
    assert active_projects[0]["pagination"]["per_page"] == 20
    assert [p["name"] for p in active_projects[0]["projects"]] == ["Website Redesign"]
    assert filtered_entries[0]["time_entries"] == []  # none yet
    assert listed == bearer[0]
    assert created["message"] == "Time entry created successfully"
    entry = created["time_entry"]
    assert (entry["project_id"], entry["duration_seconds"], entry["is_active"]) == (1, 8 * 3600, False)
