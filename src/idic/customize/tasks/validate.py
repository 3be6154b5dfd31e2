"""Strict checks of what people type about tasks: ids, owners, outcomes, values, notes.

Every check raises :class:`~idic.errors.InputError` naming the bad value (shortened), so the
CLI prints one line and the API answers 400/422.
"""

from __future__ import annotations

import math
import re
from typing import Any

from idic.errors import InputError

#: how a task id looks (``tsk_`` and 16 hex digits of a hash)
TASK_ID = re.compile(r"tsk_[0-9a-f]{16}")
#: outcomes a person records when closing a task
OUTCOMES = ("success", "failure", "no_answer", "declined")
#: outcomes that mean the customer was reached
REACHED = ("success", "failure", "declined")
MAX_OWNER = 100
MAX_NOTE = 2000
MAX_VALUE = 1e9
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def short(v: Any, n: int = 60) -> str:
    s = repr(v)
    return s if len(s) <= n else s[:n] + "..."


def task_id(v: Any) -> str:
    if not isinstance(v, str) or not TASK_ID.fullmatch(v):
        raise InputError(f"{short(v)} is not a task id",
                         hint="task ids look like tsk_0123456789abcdef (idic tasks list)")
    return v


def owner(v: Any, *, what: str = "--owner") -> str:
    """A person or a team queue (``queue:<team>``): 1-100 printable characters, trimmed."""
    if not isinstance(v, str):
        raise InputError(f"{what}: an owner is a name, not {short(v)}")
    s = v.strip()
    if not s:
        raise InputError(f"{what}: the owner is empty")
    if len(s) > MAX_OWNER:
        raise InputError(f"{what}: the owner {short(s)} is longer than {MAX_OWNER} characters")
    if _CONTROL.search(s):
        raise InputError(f"{what}: the owner {short(s)} holds control characters")
    return s


def outcome(v: Any) -> str:
    if v not in OUTCOMES:
        from idic.suggest import unknown_name

        raise unknown_name("outcome", str(v)[:60], OUTCOMES, given_in="--outcome")
    return str(v)


def value(v: Any) -> float | None:
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise InputError(f"--value: {short(v)} is not a number") from None
    if isinstance(v, bool) or not math.isfinite(x) or abs(x) > MAX_VALUE:
        raise InputError(f"--value: {short(v)} is not a finite amount within ±{MAX_VALUE:g}")
    return round(x, 2)


def note(v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise InputError(f"--note: text expected, not {short(v)}")
    if len(v) > MAX_NOTE:
        raise InputError(f"--note is {len(v):,} characters; at most {MAX_NOTE:,}")
    if _NOTE_CONTROL.search(v):
        raise InputError("--note holds control characters (only line breaks and tabs are "
                         "allowed)")
    return v.strip() or None
