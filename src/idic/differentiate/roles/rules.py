"""Role rules: configurable conditions on the per-customer indicators.

A rule is a list of alternatives, each a list of conditions ``"<indicator> <op> <number>"``
(``op`` one of ``>= > <= < == !=``); a person holds the role when every condition of at
least one alternative holds (a missing value fails). The packaged rules (``rules.json``)
follow Augmented Customer Strategy, table 6.1; ``<workspace>/roles.json`` replaces or adds
roles (e.g. a ``subscriber`` or ``citizen`` role for other businesses).
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from idic.errors import InputError

OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
    "==": operator.eq, "!=": operator.ne}
_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*"
                   r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    when: tuple[tuple[Condition, ...], ...]
    kpis: tuple[str, ...]


def parse_condition(text: Any) -> Condition:
    """``"mentions >= 3"`` -> Condition; InputError for anything else."""
    if not isinstance(text, str):
        raise InputError(f"a role condition must be text like 'mentions >= 3', got {text!r}")
    m = _COND.match(text)
    if m is None:
        raise InputError(f"cannot read the role condition {text!r}",
                         hint="write '<indicator> <op> <number>', op one of >= > <= < == !=")
    return Condition(m.group(1), m.group(2), float(m.group(3)))


def parse_rules(data: Any, columns: set[str] | None = None) -> list[Role]:
    """Roles from a ``{"roles": {name: {"when": [[cond, ...], ...], ...}}}`` document."""
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        raise InputError("role rules must be an object with a 'roles' object")
    out = []
    for name, spec in data["roles"].items():
        if not isinstance(name, str) or not NAME.match(name):
            raise InputError(f"bad role name {name!r}", hint="lower case letters, digits, _")
        if not isinstance(spec, dict) or not isinstance(spec.get("when"), list) \
                or not spec["when"] or not all(isinstance(a, list) and a for a in spec["when"]):
            raise InputError(f"role {name!r}: 'when' must be a non-empty list of non-empty "
                             "lists of conditions")
        when = tuple(tuple(parse_condition(c) for c in alt) for alt in spec["when"])
        kpis = spec.get("kpis", [])
        if not isinstance(kpis, list) or not all(isinstance(k, str) for k in kpis):
            raise InputError(f"role {name!r}: 'kpis' must be a list of indicator names")
        if columns is not None:
            unknown = sorted({c.column for alt in when for c in alt} - columns)
            if unknown:
                raise InputError(f"role {name!r}: unknown indicator {unknown[0]!r}",
                                 hint="indicators: " + ", ".join(sorted(columns)))
        out.append(Role(name, str(spec.get("description", "")), when, tuple(kpis)))
    return out


def load_rules(workspace_path: Path | None = None) -> dict[str, Any]:
    data = json.loads(resources.files("idic.differentiate.roles").joinpath("rules.json")
                      .read_text())
    if workspace_path is not None and (Path(workspace_path) / "roles.json").is_file():
        try:
            extra = json.loads((Path(workspace_path) / "roles.json").read_text())
        except ValueError as exc:
            raise InputError(f"{workspace_path}/roles.json: not valid JSON: {exc}") from None
        if not isinstance(extra, dict) or not isinstance(extra.get("roles"), dict):
            raise InputError(f"{workspace_path}/roles.json must hold a 'roles' object")
        data["roles"].update(extra["roles"])
    return data


def holds(role: Role, df: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows holding ``role``."""
    any_ = np.zeros(len(df), dtype=bool)
    for alt in role.when:
        ok = np.ones(len(df), dtype=bool)
        for c in alt:
            v = pd.to_numeric(df[c.column], errors="coerce").to_numpy(float)
            ok &= np.nan_to_num(OPS[c.op](v, c.value), nan=0).astype(bool) & ~np.isnan(v)
        any_ |= ok
    return any_


def evidence(role: Role, row: pd.Series) -> str:
    """Which conditions held, with the person's values (``mentions=5 >= 3; ...``)."""
    for alt in role.when:
        vals = [pd.to_numeric(row.get(c.column), errors="coerce") for c in alt]
        if all(v is not None and not pd.isna(v) and OPS[c.op](v, c.value)
               for c, v in zip(alt, vals, strict=True)):
            return "; ".join(f"{c.column}={v:g} {c.op} {c.value:g}"
                             for c, v in zip(alt, vals, strict=True))
    return ""
