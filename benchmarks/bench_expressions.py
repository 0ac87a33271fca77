"""Benchmark of contract expressions against the ``rule-engine`` package. Prints ratios.

Run from the repository root (``rule-engine`` comes with the ``bench`` extra)::

    python -m benchmarks.bench_expressions
    python -m benchmarks.bench_expressions --n 2000   # quicker

On the same penalty ("0.5 % of the order value per started day late"), written in each
language, it times compiling (type-checked against the same vocabulary) and evaluating, with the
evaluation of a bare Python function doing the same Decimal arithmetic as the floor (ratio 1.0).
It also times each hostile expression of ``HOSTILE`` in both (compile, then evaluate if it
compiled), and says what each answered. Asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from benchmarks._timing import best_of
from contract_rules.expressions import (
    INSTANT,
    PERCENT,
    Money,
    compile_expression,
    money_of,
)

OURS = "penalty_rate * trigger.order_value * ceil(days(fulfilled_at - due))"
THEIRS = "value * rate * ((delivered - due).total_seconds / 86400).ceiling"
DUE = datetime(2025, 1, 1, tzinfo=UTC)
DELIVERED = datetime(2025, 1, 4, 10, tzinfo=UTC)

HOSTILE = {
    # within the length limit, so that the other limits answer
    "deep nesting": "(" * 900 + "1" + ")" * 900,
    "long chain": "1 + " * 450 + "1",
    "unary chain": "-" * 1900 + "1",
    "huge literal": "9" * 1900,
    "power tower": "10 ** 10 ** 10 ** 10",
    "python internals": "__import__",
    "attribute access": "due.__class__",
    # over it
    "100k characters": "1 + " * 25_000 + "1",
}


def floor_fn(rate: Decimal, value: Decimal, due: datetime, delivered: datetime) -> Decimal:
    """The same arithmetic in plain Python: the floor."""
    days = Decimal((delivered - due).total_seconds()) / 86400
    return rate * value * days.to_integral_value(ROUND_CEILING)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="evaluations per timing")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    n = args.n

    vocab = {
        "penalty_rate": PERCENT,
        "trigger.order_value": money_of("CNY"),
        "fulfilled_at": INSTANT,
        "due": INSTANT,
    }
    data = {
        "penalty_rate": Decimal("0.005"),
        "trigger.order_value": Money(Decimal("120000.00"), "CNY"),
        "fulfilled_at": DELIVERED,
        "due": DUE,
    }
    rate, value = Decimal("0.005"), Decimal("120000.00")

    t_floor, r_floor = best_of(
        args.repeat, lambda: [floor_fn(rate, value, DUE, DELIVERED) for _ in range(n)]
    )
    compiled = compile_expression(OURS, vocab)
    assert compiled.expression is not None, compiled.findings
    expr = compiled.expression
    t_ours, r_ours = best_of(args.repeat, lambda: [expr.evaluate(data) for _ in range(n)])
    t_ours_c, _ = best_of(
        args.repeat, lambda: [compile_expression(OURS, vocab) for _ in range(n // 20)]
    )
    t_explain, _ = best_of(args.repeat, lambda: [expr.explain(data) for _ in range(n // 20)])

    rows: list[tuple[str, float, str]] = [
        ("floor: plain Python function", t_floor / n, str(r_floor[-1])),
        ("contract_rules.expressions evaluate", t_ours / n, str(r_ours[-1].amount)),
        ("contract_rules.expressions explain", t_explain / (n // 20), ""),
        ("contract_rules.expressions compile", t_ours_c / (n // 20), ""),
    ]
    theirs: Any = None
    try:
        import rule_engine

        dt = rule_engine.DataType
        ctx = rule_engine.Context(
            type_resolver=rule_engine.type_resolver_from_dict(
                {"value": dt.FLOAT, "rate": dt.FLOAT, "delivered": dt.DATETIME, "due": dt.DATETIME}
            )
        )
        theirs = rule_engine.Rule(THEIRS, context=ctx)
        rdata = {"value": value, "rate": rate, "delivered": DELIVERED, "due": DUE}
        t_re, r_re = best_of(args.repeat, lambda: [theirs.evaluate(rdata) for _ in range(n)])
        t_re_c, _ = best_of(
            args.repeat, lambda: [rule_engine.Rule(THEIRS, context=ctx) for _ in range(n // 20)]
        )
        rows += [
            ("rule-engine evaluate", t_re / n, str(r_re[-1])),
            ("rule-engine compile", t_re_c / (n // 20), ""),
        ]
    except ImportError:
        rows.append(("rule-engine (not installed: pip install rule-engine)", float("nan"), ""))

    print(
        f"Python {platform.python_version()} on {platform.machine()}; n={n}, best of {args.repeat}"
    )
    print(f"{'what':48} {'µs/op':>9} {'× floor':>8}  result")
    for what, sec, res in rows:
        print(f"{what:48} {sec * 1e6:9.2f} {sec / (t_floor / n):8.1f}  {res}")

    print("\nhostile input: ms to an answer, and the answer")
    for label, text in HOSTILE.items():
        ours = _answer_ours(text, vocab)
        line = f"{label:18} ours {ours[0] * 1e3:8.1f} ms  {ours[1][:70]}"
        if theirs is not None:
            re_t, re_a = _answer_theirs(text, ctx)
            line += f"\n{'':18} r-e  {re_t * 1e3:8.1f} ms  {re_a[:70]}"
        print(line)
    return 0


def _answer_ours(text: str, vocab: Any) -> tuple[float, str]:
    t0 = time.perf_counter()
    c = compile_expression(text, vocab)
    took = time.perf_counter() - t0
    if c.findings:
        f = c.findings[0]
        return took, f"{f.code} at col {f.location.column}: {f.message}"
    return took, "compiled"


def _answer_theirs(text: str, ctx: Any) -> tuple[float, str]:
    import rule_engine

    t0 = time.perf_counter()
    try:
        r = rule_engine.Rule(text, context=ctx)
        out = f"compiled; evaluates to {r.evaluate({})!r}"
    except RecursionError:
        out = "RecursionError (a Python traceback, no position)"
    except Exception as e:  # the comparison reports whatever the library raises
        out = f"{type(e).__name__}: {e}"
    return time.perf_counter() - t0, out


if __name__ == "__main__":
    sys.exit(main())
