"""Issue 18, web low item: docs/security.md states the bad-token limit the code applies."""

from __future__ import annotations

import re
from pathlib import Path

from ceasefire.web.security import AUTH_FAILURES, AUTH_WINDOW_S

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
UNITS = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60}


def test_the_documented_rate_limit_is_the_one_in_the_code() -> None:
    stated = re.findall(r"(\d+) bad tokens within (\d+) (seconds?|minutes?)",
                        DOC.read_text(encoding="utf-8"))
    assert stated, "docs/security.md no longer states the bad-token limit"
    for failures, amount, unit in stated:
        assert (int(failures), int(amount) * UNITS[unit]) == (AUTH_FAILURES, AUTH_WINDOW_S)
