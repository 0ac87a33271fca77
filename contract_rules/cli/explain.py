"""``contract-rules explain``: why one instance has its status, with the deciding events."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..safe_text import visible
from ..suggestions import did_you_mean
from .common import EXIT_FINDINGS, EXIT_OK, CliError, _out, _plural
from .inputs import _add_input_options, _lang, evaluate_input, load_rules, positive_int

if TYPE_CHECKING:
    from ..engine import CompiledRuleset
    from ..events import EventValidator, RawEvent
    from ..model import Norm, Ruleset
    from ..render import DecidingEvent
    from ..report import Obligation, RemedyItem, RemedyLine, Report


def _configure_explain(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, at="--as-of")
    p.add_argument("--rule", required=True, metavar="ID", help="the norm, e.g. onsite.response")
    p.add_argument(
        "--key", metavar="KEY", help="the instance's key, e.g. INC-7 (rules without a key: none)"
    )
    p.add_argument(
        "--nth",
        type=positive_int,
        default=1,
        metavar="N",
        help="the Nth instance with that key (default: 1)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output style")


def _first(items: Sequence[str], n: int = 20) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" (first {n} of {len(items)})" if len(items) > n else "")


def _loose(key: str) -> str:
    """A key compared loosely: case folded, numbers without leading zeros (INC-7 = inc-007)."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), key).casefold()


def _did_you_mean(key: str, keys: Sequence[str]) -> str:
    """``; did you mean 'INC-007'?`` for the closest of ``keys`` (loosely equal first), or empty."""
    return did_you_mean(key, keys, loose=_loose)


def pick_instance(report: Report, norm: Norm, key: str | None, nth: int) -> tuple[Obligation, int]:
    """The instance of ``norm`` that ``--key``/``--nth`` name, and how many share its key.

    Without ``key``, a keyed norm must have a single key. Raises :class:`CliError` (code 1)
    naming the keys that exist (the first 20, with a did-you-mean) when there is no such
    instance.
    """
    instances = report.select(rule=norm.id)
    if not instances:
        raise CliError(EXIT_FINDINGS, f"{norm.id} has no instance as of {report.as_of.isoformat()}")
    keys = list(dict.fromkeys(o.key for o in instances if o.key is not None))
    if norm.key is None:
        if key is not None:
            raise CliError(
                EXIT_FINDINGS,
                f"{norm.id} has no key (its instances are told apart by --nth); leave out --key",
            )
    elif key is None:
        if len(keys) != 1:
            raise CliError(
                EXIT_FINDINGS,
                f"{norm.id} has an instance per {norm.key}; give --key: {_first(keys)}",
            )
        key = keys[0]
    same = [o for o in instances if o.key == key]
    if not same:
        hint = _did_you_mean(key or "", keys)
        raise CliError(
            EXIT_FINDINGS,
            f"no instance of {norm.id} with key {key!r}{hint} — keys of {norm.id}: {_first(keys)}",
        )
    chosen = [o for o in same if o.nth == nth]
    if not chosen:
        what = f"{norm.id} [{key}]" if key is not None else norm.id
        raise CliError(
            EXIT_FINDINGS,
            f"{what} has {_plural(len(same), 'instance')}; --nth {nth} is beyond them",
        )
    return chosen[0], len(same)


def deciding_events(
    path: str,
    ids: Sequence[str],
    validator: EventValidator | None = None,
    records: Iterable[RawEvent] | None = None,
) -> list[DecidingEvent]:
    """The events ``ids`` as read from the events file at ``path`` (or from ``records``: the
    same input read again, such as standard input or an export through its mapping), in the
    order of ``ids``.

    An event without an id is named by what it is (``~`` and a digest: ``events.derived_id``);
    ``validator`` (a fresh one, of the ruleset and zones of the evaluation) names such records
    again, in file order as the evaluation did. An event that cannot be found again keeps only
    its id.
    """
    from ..errors import EventError
    from ..events import read_events
    from ..render import DecidingEvent

    wanted = list(dict.fromkeys(ids))
    derived = validator is not None and any(i[:1] == "~" for i in wanted)
    found: dict[str, DecidingEvent] = {}
    raws = read_events(path) if records is None else iter(records)
    try:
        for raw in raws:
            data = raw.data
            if not isinstance(data, Mapping):
                continue
            rid = data.get("id")
            ident = str(rid) if rid is not None else None
            if ident is None and derived and validator is not None:
                try:
                    ident = validator.validate(raw).id
                except EventError:
                    ident = None  # rejected by the evaluation too: it decided nothing
            if ident is not None and ident in wanted and ident not in found:
                found[ident] = DecidingEvent(ident, raw.where, dict(data))
                if len(found) == len(wanted):
                    break
    except (OSError, ValueError):
        pass  # the file was read once already; failing now loses only the records' detail
    finally:
        close = getattr(raws, "close", None)
        if callable(close):
            close()  # the reader is a generator holding the file open
    return [found.get(i, DecidingEvent(i)) for i in wanted]


def _run_explain(args: argparse.Namespace) -> int:
    from ..render import explain_dict, render_explain

    ruleset = load_rules(args.rules)
    ids = [n.id for n in ruleset.norms]
    if args.rule in {m.id for m in ruleset.measures}:
        return _explain_measure(args, ruleset)
    if args.rule not in ids:
        hint = _did_you_mean(args.rule, ids)
        raise CliError(
            EXIT_FINDINGS, f"{args.rules}: no rule {args.rule!r}{hint} — rules: {', '.join(ids)}"
        )
    norm = ruleset.norm(args.rule)
    done = evaluate_input(args, ruleset, args.as_of)
    ob, total = pick_instance(done.report, norm, args.key, args.nth)
    validator = _validator(done.compiled, args.naive_tz)
    # the events that decided the status, then those that moved it through its life (a
    # suspension, a release, a termination), each once
    wanted = tuple(dict.fromkeys((*ob.events, *(h.event for h in ob.history if h.event))))
    events = deciding_events(args.events, wanted, validator, done.records())
    if args.format == "json":
        doc = explain_dict(ob, norm=norm, events=events, instances_with_key=total)
        remedies = remedy_items_of(done.report, ob)
        if remedies:
            doc["remedies"] = [
                {"remedy": ln.remedy, "period": ln.period_label, **item.to_dict()}
                for ln, item in remedies
            ]
        imported = done.import_dict()
        if imported is not None:
            doc["import"] = imported
        _out().write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        for line in done.import_lines():
            print(line, file=sys.stderr)
        _out().write(
            render_explain(
                ob,
                _lang(args, ruleset),
                norm=norm,
                ruleset=ruleset,
                events=events,
                instances_with_key=total,
            )
        )
        _out().write(remedy_text(done.report, ob))
    return EXIT_OK


def _explain_measure(args: argparse.Namespace, ruleset: Ruleset) -> int:
    """``explain --rule <measure>`` (``--key`` a period's label, 2025-03): the measure's
    arithmetic per period, the spans it counted and the credits computed from it."""
    from ..render import explain_measure

    done = evaluate_input(args, ruleset, args.as_of)
    found = [m for m in done.report.measures if m.measure == args.rule]
    labels = [m.period_label for m in found]
    if args.key is not None and args.key not in labels:
        hint = _did_you_mean(args.key, labels)
        raise CliError(
            EXIT_FINDINGS, f"{args.rule} has no period {args.key!r}{hint}: {_first(labels)}"
        )
    if args.format == "json":
        chosen = [m.to_dict() for m in found if args.key is None or m.period_label == args.key]
        _out().write(json.dumps({"measure": args.rule, "periods": chosen}, indent=2) + "\n")
    else:
        _out().write(explain_measure(done.report, args.rule, args.key))
    return EXIT_OK


def remedy_items_of(report: Report, ob: Obligation) -> list[tuple[RemedyLine, RemedyItem]]:
    """The remedy items that count a breach of ``ob`` (by its rule and key), with their lines."""
    return [
        (ln, item)
        for ln in report.liability
        for item in ln.items
        if item.rule == ob.rule and item.key == ob.key and item.event == ob.trigger_event
    ]


def remedy_text(report: Report, ob: Obligation) -> str:
    """What the breach ``ob`` costs under each remedy, with the arithmetic of a computed amount
    (empty when no remedy counts it)."""
    found = remedy_items_of(report, ob)
    if not found:
        return ""
    lines = ["", "Remedies:"]
    for ln, item in found:
        state = "counted" if item.compensable else "not counted"
        lines.append(f"  {ln.remedy} ({ln.period_label}): {item.amount:f} {ln.currency}, {state}")
        lines += [f"    {step}" for step in item.explanation] or [f"    {item.reason}"]
        if ln.cap is not None and ln.payable < ln.compensable:
            lines.append(
                f"    the period's cap {ln.cap:f} {ln.currency} holds its total "
                f"{ln.compensable:f} to {ln.payable:f}"
            )
    return visible("\n".join(lines), keep="\n") + "\n"


def _validator(compiled: CompiledRuleset, naive_tz: str | None) -> EventValidator:
    """A fresh validator as the evaluation built it: it names events without ids alike."""
    from zoneinfo import ZoneInfo

    from ..events import EventValidator

    return EventValidator(
        compiled.ruleset,
        compiled.tz,
        naive_tz=ZoneInfo(naive_tz) if naive_tz else None,
        money_fields=compiled.money_fields,
    )
