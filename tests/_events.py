"""Events of the Tacheng vocabulary that several hardening test modules build on."""

from __future__ import annotations

from typing import Any

from contract_rules.report import Report

AS_OF = "2025-12-31T00:00:00+08:00"

#: two valid events that frame a bad one, so a test sees that reading goes on around it
FIRST = {"type": "response", "at": "2025-03-01T09:00:00+08:00", "incident": "INC-0", "id": "A"}
LAST = {"type": "response", "at": "2025-03-05T09:00:00+08:00", "incident": "INC-9", "id": "Z"}


def request(at: Any = "2025-03-03T10:00:00+08:00", **extra: Any) -> dict[str, Any]:
    """An on-site request for INC-1 (``extra`` fields added or overridden)."""
    return {"type": "onsite_request", "at": at, "incident": "INC-1", **extra}


def payment(amount: Any = "53600.00", **extra: Any) -> dict[str, Any]:
    """A payment in CNY of ``amount`` (as written: text, number or anything hostile)."""
    return {
        "type": "payment",
        "at": "2025-03-04T10:00:00+08:00",
        "amount": amount,
        "currency": "CNY",
        **extra,
    }


def assert_accounted(rep: Report, n: int | None = None) -> int:
    """used + ignored + rejected = input (= n when given); every position exactly once."""
    acc = rep.accounting
    c = acc.counts()
    assert c["used"] + c["ignored"] + c["rejected"] == c["input"]
    if n is not None:
        assert c["input"] == n
    positions = [e.index for e in (*acc.ignored, *acc.rejected)]
    if acc.used_indexes is not None:
        positions += list(acc.used_indexes)
    assert sorted(positions) == list(range(c["input"]))
    return int(c["input"])
