"""Contract expressions: a typed, side-effect-free language for amounts, instants and conditions.

Compile once against a :class:`Vocabulary` (the names an expression may read and their types),
then evaluate many times against data. Problems in the text are located findings (CR401-CR405,
CR305), never exceptions; problems in the data are :class:`ExpressionError`. See
``docs/expressions.md`` for the grammar, the types, the functions, rounding and the limits.
"""

from __future__ import annotations

from .compiler import Compiled, Expression, Vocabulary, compile_expression
from .explain import Explanation, show
from .facts import INSTANCE_FACTS, instance_facts
from .syntax import DEFAULT_LIMITS, Limits, ScalarPlace
from .types import (
    BOOLEAN,
    DATE,
    DURATION,
    INSTANT,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    WORKING_DAYS,
    WORKING_HOURS,
    ExpressionError,
    ExprType,
    Kind,
    Money,
    WorkCalendar,
    WorkingDays,
    WorkingHoursSpan,
    events_of,
    money_of,
    record_of,
)

__all__ = [
    "BOOLEAN",
    "DATE",
    "DEFAULT_LIMITS",
    "DURATION",
    "INSTANCE_FACTS",
    "INSTANT",
    "INTEGER",
    "NUMBER",
    "PERCENT",
    "TEXT",
    "WORKING_DAYS",
    "WORKING_HOURS",
    "Compiled",
    "Explanation",
    "ExprType",
    "Expression",
    "ExpressionError",
    "Kind",
    "Limits",
    "Money",
    "ScalarPlace",
    "Vocabulary",
    "WorkCalendar",
    "WorkingDays",
    "WorkingHoursSpan",
    "compile_expression",
    "events_of",
    "instance_facts",
    "money_of",
    "record_of",
    "show",
]
