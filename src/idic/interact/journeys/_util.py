"""Small helpers shared by the journey modules: durations and option checks."""

from __future__ import annotations

import re

from idic.errors import InputError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def input_error(message: str, hint: str | None = None) -> InputError:
    """An :class:`InputError` with a hint (``InputError(..., hint=)`` is swallowed by
    ``ValueError.__init__``, which takes no keyword arguments)."""
    err = InputError(message)
    if hint is not None:
        err.hint = hint
    return err


def parse_duration(value: str | int | float, *, what: str = "duration") -> float:
    """Seconds in ``"14d"``, ``"30m"``, ``"2h"``, ``"1w"``, ``"45s"`` or a plain number of seconds."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise input_error(f"{what} {value!r} is not a duration",
                             hint="write a number and a unit: 30s, 30m, 2h, 14d, 1w")
        seconds = float(m.group(1)) * _UNITS[(m.group(2) or "s").lower()]
    if seconds <= 0:
        raise InputError(f"{what} must be positive, got {value!r}")
    return seconds


def split_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"A, B,C"`` or a list -> ``["A", "B", "C"]`` (empty items dropped)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [s.strip() for s in items if s and s.strip()]


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``allowed``, else an error naming the closest choices."""
    if value not in allowed:
        from idic.suggest import unknown_name

        raise unknown_name(what, value, allowed)
    return value
