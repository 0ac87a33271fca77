"""Events: validating them against a vocabulary (the readers of JSONL, JSON, CSV and mappings are
in :mod:`contract_rules.event_files`, and their names are importable here too).

An :class:`Event` is validated and typed: an aware instant, a string id, fields converted to
their declared types (``decimal`` fields are :class:`~decimal.Decimal`, never float). Invalid
input raises :class:`~contract_rules.errors.EventError` naming the event (its index, or its file
and line); the engine can instead collect it as a rejected entry of its report, so nothing is lost.

An event without an ``id`` is named by what it is (:func:`derived_id`: a digest of its type,
instant and fields), never by its position, so that the report does not depend on input order.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from .calendar.units import plain_datetime
from .errors import EventError

# The readers moved to event_files; their names stay importable from here.
from .event_files import RawEvent as RawEvent
from .event_files import _BadLine as _BadLine
from .event_files import _DuplicateKeys as _DuplicateKeys
from .event_files import jsonl_lines as jsonl_lines
from .event_files import read_events as read_events
from .event_files import read_records as read_records
from .model import RESERVED_EVENT_KEYS, FieldSpec, Ruleset
from .text import offset_note as offset_note  # moved to the text module; importable here
from .text import with_zone_offset

_combine = datetime.combine
MAX_ID_CHARS = 200
MAX_STRING_CHARS = 10_000
MONEY_PLACES = 2
#: Money amounts have at most this many digits before the decimal point (as rule-file money:
#: 18 digits, 2 of them places), so that sums stay exact in the default Decimal context.
MONEY_INT_DIGITS = 16
#: Integer fields have at most this many digits.
MAX_INT_DIGITS = 100
#: Event instants lie in these years: the calendar computes in years 2-9998, and an instant
#: outside them cannot even be moved to another offset.
MIN_YEAR, MAX_YEAR = 2, 9998
#: A timestamp's written offset is a whole number of minutes within this bound (the widest
#: offset in use is +14:00, Kiribati); ``+23:59`` or ``+08:00:30.5`` is a typing error.
MAX_OFFSET = timedelta(hours=14)
#: every offset a timestamp may be written with (a set: one hash look-up per event)
_OFFSETS = frozenset(timedelta(minutes=m) for m in range(-14 * 60, 14 * 60 + 1))
#: Numbers written as text: ASCII digits only, an optional sign, point and exponent (Decimal
#: would also read ``1_000``, full-width and Arabic-Indic digits).
_NUMBER = re.compile(r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*")
_INTEGER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
#: a UTF-16 surrogate: not a character, cannot be written as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError naming it when there is no such zone (including
    a directory of the zone database, such as ``Asia``, and names that are paths)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}; give an IANA name such as Asia/Shanghai"
        ) from None


@dataclass(slots=True)
class Event:
    """A validated event. ``index`` is its 0-based position in the input.

    Read-only by contract; not a frozen dataclass only because building a frozen one costs
    several times more, once per input event (``docs/decisions.md``).
    """

    index: int
    id: str
    type: str
    #: the instant in the ruleset's zone, in its :func:`comparable` form
    at: datetime
    fields: Mapping[str, Any]
    where: str

    @property
    def ts(self) -> float:
        """The instant as a POSIX timestamp (for ordering and arithmetic)."""
        return self.at.timestamp()


def comparable(t: datetime) -> datetime:
    """``t`` in a form that compares exactly with the engine's other instants.

    Aware datetimes that share a tzinfo compare by their wall times and ignore ``fold``: in a
    repeated hour (daylight saving time ending) the second 01:30 would come before the first
    01:45. The second occurrence of a repeated wall time (``fold=1``) is therefore given its
    fixed UTC offset (the same wall time, offset and ISO form, another tzinfo, so that Python
    compares it by instant); every other instant of the zone is returned as it is. Instants in
    this form compare exactly; differences across an offset change need :func:`elapsed`.
    """
    if not t.fold:
        return t
    off = t.utcoffset()
    return t if off is None else t.astimezone(timezone(off))


def in_zone(t: datetime, tz: tzinfo) -> datetime:
    """The aware instant ``t`` as a normalised datetime of ``tz``, in :func:`comparable` form.

    ``astimezone`` leaves a datetime that already carries ``tz`` as it is, so a wall time that
    does not exist (skipped when the clocks went forward) would stay; it is moved through UTC,
    which gives the zone's own reading of the instant. Raises OverflowError at the ends of the
    datetime range.
    """
    if t.tzinfo is tz:
        t = t.astimezone(UTC)
    return comparable(t.astimezone(tz))


def elapsed(a: datetime, b: datetime) -> timedelta:
    """The real time from ``a`` to ``b`` (``b - a`` of two datetimes with one tzinfo is the
    difference of their wall times, an hour off across a change of offset)."""
    d = b - a
    tz = a.tzinfo
    if tz is b.tzinfo:
        if type(tz) is ZoneInfo:  # asked directly: see EventValidator._fromutc
            oa, ob = tz.utcoffset(a), tz.utcoffset(b)
        else:
            oa, ob = a.utcoffset(), b.utcoffset()
        if oa is not None and ob is not None and oa != ob:
            d += oa - ob
    return d


# ------------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _FieldCheck:
    name: str
    spec: FieldSpec
    money: bool
    #: the field names instances (a norm's, span's, excuse's or claim's key, or a matched field)
    key: bool = False

    @property
    def plain_text(self) -> bool:
        """A string field with no closed set of values: any short printable text passes as it
        is (a key also needs a character that is not a space)."""
        return self.spec.type == "string" and self.spec.values is None and self.spec.pattern is None


def key_fields(ruleset: Ruleset) -> frozenset[str]:
    """The event fields whose values name instances: every ``key`` and ``match`` field of the
    ruleset's norms, spans, excuses and claims. Their values are shown in every output, so they
    must be printable text (:meth:`EventValidator.validate`)."""
    found: set[str] = set()
    todo: list[Any] = [ruleset.spans, ruleset.norms, ruleset.remedies]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple):
            todo.extend(node)
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                value = getattr(node, name)
                if name == "key" and isinstance(value, str):
                    found.add(value)
                elif name == "match" and isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str))
                elif not isinstance(value, str | int | Decimal | date | None):
                    todo.append(value)
    return frozenset(found)


class EventValidator:
    """Validates raw records against a ruleset's event vocabulary.

    ``naive_tz``: the zone of naive timestamps; when None (the default) a naive timestamp is an
    error. ``money_fields``: (event type, field) pairs that carry money: non-negative, at most two
    decimal places. A missing id is derived from the event's content (:func:`derived_id`).

    Duplicate ids are not judged here but by :meth:`claim`, which the engine calls in time order:
    of two events with one id, the earlier in time is kept, in any input order.
    """

    def __init__(
        self,
        ruleset: Ruleset,
        tz: tzinfo,
        *,
        naive_tz: tzinfo | None = None,
        money_fields: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.tz = tz
        #: the zone's fromutc, called directly, when it is a zone or fixed offset (``astimezone``
        #: reaches it, and the parsed offset's utcoffset, through method lookups by name on
        #: every call: the direct steps below cost half as much)
        self._fromutc = tz.fromutc if type(tz) is ZoneInfo or type(tz) is timezone else None
        self.naive_tz = naive_tz
        self.parties = set(ruleset.contract.parties)
        money = set(money_fields)
        keys = key_fields(ruleset)
        self.types: dict[str, tuple[_FieldCheck, ...]] = {
            name: tuple(
                _FieldCheck(f, spec, (name, f) in money or spec.type == "money", f in keys)
                for f, spec in et.fields.items()
            )
            for name, et in ruleset.events.items()
        }
        #: per type, what validating it needs, unpacked once: the fields as (name, required,
        #: plain, key, check) and the keys a record of the type may have
        self._plans: dict[
            str, tuple[tuple[tuple[str, bool, bool, bool, _FieldCheck], ...], frozenset[str]]
        ]
        self._plans = {
            name: (
                tuple((c.name, c.spec.required, c.plain_text, c.key, c) for c in checks),
                frozenset(c.name for c in checks) | frozenset(RESERVED_EVENT_KEYS),
            )
            for name, checks in self.types.items()
        }
        self.seen_ids: set[str] = set()
        #: derived ids given so far, with how many events had each (identical events)
        self._derived: dict[str, int] = {}

    def claim(self, ev: Event) -> None:
        """Record ``ev``'s id as taken; EventError if an event already took it.

        Called in time order (ties: input order), so the event kept is the earlier in time.
        """
        seen = self.seen_ids
        known = len(seen)
        seen.add(ev.id)
        if len(seen) == known:
            raise EventError(ev.where, f"duplicate event id {ev.id!r}", event_id=ev.id)

    def validate(self, raw: RawEvent) -> Event:
        """Return the typed event, or raise EventError naming ``raw.where``."""
        return self.validate_record(raw.index, raw.where, raw.data)

    def validate_record(self, index: int, where: str, data: Any) -> Event:
        """:meth:`validate` of the record ``data`` read at position ``index``, ``where``."""
        if type(data) is not dict:
            if isinstance(data, _BadLine):
                raise EventError(where, data.reason)
            if not isinstance(data, Mapping):
                raise EventError(where, f"an event is a mapping, not {type(data).__name__}")
            if isinstance(data, _DuplicateKeys):
                raise EventError(
                    where, f"the event names {', '.join(map(repr, data.twice))} more than once"
                )
        ev_id = data.get("id")
        if ev_id is not None and (
            type(ev_id) is not str
            or not ev_id
            or len(ev_id) > MAX_ID_CHARS
            or not ev_id.isprintable()
            or ev_id.isspace()
        ):
            ev_id = self._check_id(ev_id, where)
        etype = data.get("type")
        plan = self._plans.get(etype) if isinstance(etype, str) else None
        if plan is None:
            raise self._type_error(etype, where, ev_id)
        value = data.get("at")
        at: datetime | None = None
        if type(value) is str and len(value) <= 64 and value.isascii() and value.isprintable():
            try:
                at = datetime.fromisoformat(value)
            except ValueError:
                at = None  # parse_instant explains
        parsed = at.tzinfo if at is not None else None
        if at is not None and parsed is not None:
            # the common case: an ISO string with an offset (anything else: parse_instant says
            # why); in_zone's work, inline: a parsed offset is never the zone's own tzinfo. The
            # steps of astimezone: the wall time less its offset (UTC, labelled with the zone),
            # then the zone's fromutc; they overflow where astimezone does.
            fromutc = self._fromutc
            try:
                if fromutc is not None and (off := parsed.utcoffset(at)) in _OFFSETS:
                    at = fromutc(_combine(at, at.time(), self.tz) - off)
                else:
                    at = self.parse_instant(value, where, ev_id)
            except OverflowError:
                at = self.parse_instant(value, where, ev_id)  # raises, saying why
            if not MIN_YEAR <= at.year <= MAX_YEAR:
                at = self.parse_instant(value, where, ev_id)
            elif at.fold:
                at = comparable(at)
        else:
            at = self.parse_instant(value, where, ev_id)
        fields: dict[str, Any] = {}
        specs, allowed = plan
        for name, required, plain, key, check in specs:
            value = data.get(name)
            if value is None:
                if required:
                    raise EventError(where, f"{etype}: missing field {name!r}", event_id=ev_id)
                continue
            if (
                plain
                and type(value) is str
                and len(value) <= MAX_STRING_CHARS
                and value.isprintable()
                and (not key or (value and not value.isspace()))
            ):
                fields[name] = value  # the common case, without the general conversion
            else:
                fields[name] = self._convert(check, value, where, etype, ev_id)
        if not allowed.issuperset(data):
            declared = {c.name for c in self.types[etype]}
            extra = [k for k in data if k not in declared and k not in RESERVED_EVENT_KEYS]
            raise EventError(
                where,
                f"{etype}: unknown field(s) {', '.join(sorted(map(_short, extra)))}; "
                f"declared: {', '.join(sorted(declared)) or 'none'}",
                event_id=ev_id,
            )
        if ev_id is None:
            ev_id = derived_id(etype, at, fields)
            # identical events (same type, instant and fields) are told apart by a count: which
            # is which does not change the report, since they are alike in everything
            count = self._derived.get(ev_id, 0) + 1
            self._derived[ev_id] = count
            if count > 1:
                ev_id = f"{ev_id}-{count}"
        return Event(index, ev_id, etype, at, fields, where)

    def admit(self, ev: Event) -> Event:
        """A pre-validated event with its instant read as :meth:`validate` reads one (in the
        ruleset zone, :func:`in_zone`); EventError for an instant it would refuse."""
        return Event(
            ev.index,
            ev.id,
            ev.type,
            self.parse_instant(ev.at, ev.where, ev.id),
            ev.fields,
            ev.where,
        )

    @staticmethod
    def _check_id(ev_id: Any, where: str) -> str:
        """An id that is not a short string: an integer as text, or an EventError."""
        if isinstance(ev_id, bool) or not isinstance(ev_id, str | int):
            raise EventError(where, f"id must be a string or integer, not {type(ev_id).__name__}")
        text = _text(ev_id)
        if not text or len(text) > MAX_ID_CHARS:
            raise EventError(where, f"id must have 1 to {MAX_ID_CHARS} characters")
        problem = _not_a_name(text)
        if problem:
            raise EventError(where, f"the id {problem}")
        return text

    def _type_error(self, etype: Any, where: str, ev_id: str | None) -> EventError:
        """Why ``etype`` is not an event type of the vocabulary."""
        if etype is None:
            return EventError(where, "missing event type ('type')", event_id=ev_id)
        if not isinstance(etype, str):
            return EventError(
                where,
                f"the event type must be a string, not {type(etype).__name__}",
                event_id=ev_id,
            )
        return EventError(
            where,
            f"unknown event type {etype!r}; the ruleset declares: {', '.join(sorted(self.types))}",
            event_id=ev_id,
        )

    def parse_instant(self, value: Any, where: str, ev_id: str | None = None) -> datetime:
        """An aware instant in the ruleset zone (:func:`comparable` form) from an ISO 8601
        string or a datetime."""
        if value is None:
            raise EventError(where, "missing timestamp ('at')", event_id=ev_id)
        if isinstance(value, datetime):
            # a subclass (pendulum.DateTime) is copied: it keeps none of its own arithmetic
            t = value if type(value) is datetime else plain_datetime(value)
        elif isinstance(value, str):
            if len(value) > 64:
                raise EventError(where, "timestamp too long", event_id=ev_id)
            try:
                if not (value.isascii() and value.isprintable()):
                    raise ValueError  # fromisoformat ignores what follows a NUL
                t = datetime.fromisoformat(value)
            except ValueError:
                raise EventError(
                    where,
                    f"bad timestamp {value!r}; use ISO 8601 with an offset, "
                    f"e.g. {with_zone_offset(datetime(2025, 3, 3, 10), self.tz)}",
                    event_id=ev_id,
                ) from None
            off = t.utcoffset()
            if off is not None and off not in _OFFSETS:
                raise EventError(
                    where,
                    f"bad timestamp {value!r}: its offset is not whole minutes within "
                    "-14:00 to +14:00",
                    event_id=ev_id,
                )
        else:
            raise EventError(
                where, f"timestamp must be a string, not {type(value).__name__}", event_id=ev_id
            )
        if t.tzinfo is None or t.utcoffset() is None:
            if self.naive_tz is None:
                raise EventError(
                    where,
                    f"naive timestamp {value!s} has no offset; write e.g. "
                    f"{with_zone_offset(t, self.tz)}, or declare the zone of naive times",
                    event_id=ev_id,
                )
            t = t.replace(tzinfo=self.naive_tz)
        try:
            local = in_zone(t, self.tz)
        except OverflowError:
            local = None
        if local is None or not MIN_YEAR <= local.year <= MAX_YEAR:
            raise EventError(
                where,
                f"timestamp {value!s} is out of range (years {MIN_YEAR} to {MAX_YEAR})",
                event_id=ev_id,
            )
        return local

    def _convert(
        self, check: _FieldCheck, value: Any, where: str, etype: str, ev_id: str | None
    ) -> Any:
        spec = check.spec
        name = f"{etype}.{check.name}"

        def fail(msg: str) -> EventError:
            return EventError(where, f"{name}: {msg}", event_id=ev_id)

        kind = spec.type
        if kind in ("string", "party"):
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise fail(f"expected text, got {type(value).__name__}")
            text = _text(value)
            if text is None:
                raise fail("an integer too long to be read as text")
            value = text
            if len(value) > MAX_STRING_CHARS:
                raise fail(f"text longer than {MAX_STRING_CHARS} characters")
            if check.key:
                problem = _not_a_name(value)
                if problem:
                    raise fail(f"a key {problem}")
            elif not value.isascii() and (bad := _SURROGATE.search(value)):
                raise fail(
                    f"holds a lone surrogate (U+{ord(bad.group()):04X}), which is not text; "
                    "read the source as UTF-8"
                )
            if kind == "party" and value not in self.parties:
                raise fail(f"unknown party {value!r}; parties: {', '.join(sorted(self.parties))}")
            if spec.values is not None and value not in spec.values:
                raise fail(f"{value!r} is not one of {', '.join(spec.values)}")
            if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
                raise fail(f"{_short(value)} does not match the pattern {spec.pattern!r}")
            return value
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise fail(f"expected true or false, got {_short(value)}")
        if kind == "int":
            if isinstance(value, bool):
                raise fail("expected an integer, got a boolean")
            number: int | None = value if isinstance(value, int) else None
            if isinstance(value, str) and _INTEGER.fullmatch(value):  # ASCII digits only
                if len(value.strip()) > MAX_INT_DIGITS + 1:
                    raise fail(f"an integer of more than {MAX_INT_DIGITS} digits")
                number = int(value)
            if number is None:
                raise fail(f"expected an integer, got {_short(value)}")
            if abs(number) >= 10**MAX_INT_DIGITS:
                raise fail(f"an integer of more than {MAX_INT_DIGITS} digits")
            return _in_range(spec, number, fail)
        if kind == "decimal" or kind == "money":
            return _in_range(spec, self._decimal(value, check.money, fail), fail)
        if kind == "date":
            if isinstance(value, date) and not isinstance(value, datetime):
                return value
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                raise fail(f"expected a date YYYY-MM-DD, got {_short(value)}") from None
        if kind == "instant":
            return self.parse_instant(value, where, ev_id)
        raise fail(f"unsupported field type {kind}")  # pragma: no cover - model forbids it

    @staticmethod
    def _decimal(value: Any, money: bool, fail: Any) -> Decimal:
        if isinstance(value, float):
            # A float cannot hold most decimal amounts exactly: refuse rather than guess.
            raise fail(f"{value!r} is a float; give amounts as strings or Decimal")
        if isinstance(value, bool):
            raise fail("expected a number, got a boolean")
        if isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, Decimal):
            d = value
        elif isinstance(value, str):
            if len(value) > 40:
                raise fail("number too long")
            try:
                d = Decimal(value.strip())
            except InvalidOperation:
                raise fail(f"not a number: {value!r}") from None
            if d.is_finite() and not _NUMBER.fullmatch(value):
                raise fail(
                    f"not a number: {value!r} (write amounts with the ASCII digits 0-9, "
                    "an optional point and no separators)"
                )
        else:
            raise fail(f"expected a number, got {type(value).__name__}")
        if not d.is_finite() or (isinstance(value, float) and math.isnan(value)):
            raise fail(f"{value!r} is not a finite number")
        if money:
            if d.is_signed():  # -0 too: a sign on a payment is a typing error
                raise fail(f"a money amount cannot be negative ({d})")
            exp = d.as_tuple().exponent
            if isinstance(exp, int) and exp < -MONEY_PLACES:
                raise fail(f"{d} has more than {MONEY_PLACES} decimal places")
            if d and d.adjusted() >= MONEY_INT_DIGITS:
                raise fail(f"{d} is too large (at most {MONEY_INT_DIGITS} digits before the point)")
        return d


_N = TypeVar("_N", int, Decimal)


def _in_range(spec: FieldSpec, number: _N, fail: Callable[[str], EventError]) -> _N:
    """``number`` when it is within the field's ``ge``/``le``; else the error saying which."""
    if spec.ge is not None and number < spec.ge:
        raise fail(f"{number} is below the least value {spec.ge} (ge)")
    if spec.le is not None and number > spec.le:
        raise fail(f"{number} is above the greatest value {spec.le} (le)")
    return number


def derived_id(etype: str, at: datetime, fields: Mapping[str, Any]) -> str:
    """The name of an event given without an id: ``~`` and ten hex digits of a digest of its
    type, its instant (in UTC) and its typed fields, so that it depends on what the event is,
    not on where it stands in the input."""
    text = json.dumps(
        [etype, at.astimezone(UTC).isoformat(), sorted((k, str(v)) for k, v in fields.items())],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "~" + hashlib.blake2b(text.encode("utf-8"), digest_size=5).hexdigest()


def _text(value: str | int) -> str | None:
    """``value`` as text; None for an integer too long for ``str`` (Python refuses more than
    ``sys.get_int_max_str_digits()`` digits, 4,300 by default)."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:
        return None


def _not_a_name(text: str) -> str:
    """Why ``text`` cannot be an id or key, or ``""``: it must hold a character that is not a
    space, and only printable ones (no control, format, bidi-override or BOM characters, no
    surrogates, no spaces other than U+0020), since outputs show it as it is."""
    if not text or text.isspace():
        return "must not be empty or blank"
    if not text.isprintable():
        bad = next(c for c in text if not c.isprintable())
        return f"must be printable text; {text!r} holds U+{ord(bad):04X}"
    return ""


def _short(value: Any) -> str:
    """``repr(value)``, cut to 60 characters."""
    text = repr(value) if not isinstance(value, int) or value.bit_length() < 400 else "a huge int"
    return text if len(text) <= 60 else text[:57] + "..."
