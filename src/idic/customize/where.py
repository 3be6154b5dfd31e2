"""The ``--where`` language: a checked boolean rule over the customer profile.

Grammar (a small, safe subset of SQL's WHERE clause)::

    rule      := rule OR rule | rule AND rule | NOT rule | ( rule ) | predicate
    predicate := operand op operand           op: = != <> < <= > >=
               | operand [NOT] IN ( literal, ... )
               | operand [NOT] BETWEEN operand AND operand
               | operand IS [NOT] NULL | operand IS [NOT] TRUE/FALSE
               | operand [NOT] LIKE 'pattern' | operand [NOT] ILIKE 'pattern'
               | boolean column | TRUE | FALSE
    operand   := column | 'string' | number | -number | TRUE | FALSE | NULL

The text is tokenised and parsed with sqlglot, then every node of the tree is checked
against that allow-list; columns must be columns of the profile (the error names the
closest), and both sides of a comparison must be of the same kind (text, number, boolean,
date). What comes out is an Ibis expression built from the checked tree: the text never
reaches the engine as SQL. Anything else (functions, subqueries, ``;``, comments, ``*``,
arithmetic, double-quoted "strings") is refused with a one-line :class:`InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Tokenizer, TokenType

from idic.errors import InputError

MAX_LENGTH = 10_000
MAX_DEPTH = 64
ALLOWED = ("columns, 'text' in single quotes, numbers, true/false, null, and/or/not, "
           "= != < <= > >=, in (...), between, is [not] null, like")

_SHOWN = {"==": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_CMP = {exp.EQ: "==", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}


def _err(msg: str, hint: str | None = None) -> InputError:
    e = InputError(f"--where: {msg}")
    e.hint = hint or f"allowed: {ALLOWED}"
    return e


def kind_of(dtype: Any) -> str:
    if dtype.is_string():
        return "text"
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_numeric():
        return "number"
    if dtype.is_temporal():
        return "date"
    return "other"


@dataclass
class _Op:
    kind: str  # text / number / boolean / date / null
    value: Any  # an Ibis expression (column) or a Python value (literal)
    literal: bool
    column: str | None = None


@dataclass(frozen=True)
class Rule:
    """A checked rule: its text, the profile columns it reads, and its Ibis predicate."""

    text: str
    columns: tuple[str, ...]
    tree: exp.Expression = field(repr=False)
    kinds: dict[str, str] = field(repr=False, default_factory=dict)

    def predicate(self, t: ir.Table) -> ir.BooleanValue:
        """The rule as a boolean Ibis expression on ``t`` (null counts as false)."""
        missing = [c for c in self.columns if c not in t.columns]
        if missing:
            from idic.suggest import unknown_name

            raise unknown_name("column", missing[0], t.columns, given_in="--where")
        b = _Builder({c: kind_of(t[c].type()) for c in t.columns}, t)
        out = b.condition(self.tree)
        return out.fill_null(False) if isinstance(out, ir.Value) else ibis.literal(bool(out))

    def filter(self, t: ir.Table) -> ir.Table:
        return t.filter(self.predicate(t))


def _tokens(text: str) -> list[Any]:
    if len(text) > MAX_LENGTH:
        raise _err(f"the rule is {len(text):,} characters long; at most {MAX_LENGTH:,}")
    bad = [c for c in text if (ord(c) < 32 and c not in "\t\n\r") or ord(c) == 0x7F]
    if bad:
        raise _err(f"control character {bad[0]!r} in the rule")
    if not text.strip():
        raise _err("the rule is empty", hint="e.g. --where \"abc_class = 'A' and clv > 100\"")
    try:
        toks = Tokenizer().tokenize(text)
    except (TokenError, ValueError) as exc:
        raise _err(f"cannot read the rule: {str(exc).splitlines()[0][:200]}") from None
    depth = 0
    for tok in toks:
        if tok.comments:
            raise _err("comments are not allowed")
        if tok.token_type == TokenType.SEMICOLON:
            raise _err("';' is not allowed: one rule, no statements")
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
            if depth > MAX_DEPTH:
                raise _err(f"the rule is nested more than {MAX_DEPTH} levels deep")
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
    if len(toks) > MAX_LENGTH // 2:
        raise _err("the rule has too many parts")
    return toks


def _depth(node: exp.Expression) -> int:
    best, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        if best > MAX_DEPTH * 2:
            return best
        stack.extend((c, d + 1) for c in n.iter_expressions())
    return best


def parse(text: str, columns: dict[str, str]) -> Rule:
    """Check ``text`` against the profile ``columns`` (name -> kind); return a :class:`Rule`.

    Raises :class:`InputError` naming what is wrong (unknown column with the closest names,
    wrong type, anything outside the grammar)."""
    _tokens(text)
    try:
        tree = sqlglot.parse_one(text, into=exp.Condition)
    except RecursionError:
        raise _err("the rule is nested too deeply") from None
    except (ParseError, TokenError, ValueError) as exc:
        msg = str(exc).splitlines()[0][:200]
        raise _err(f"cannot parse the rule: {msg}") from None
    if tree is None:
        raise _err("the rule is empty")
    if _depth(tree) > MAX_DEPTH * 2:
        raise _err("the rule is nested too deeply")
    b = _Builder(columns, None)
    b.condition(tree)  # raises on anything outside the grammar
    return Rule(text=text, columns=tuple(sorted(b.used)), tree=tree, kinds=dict(columns))


def parse_for(text: str, t: ir.Table) -> Rule:
    """:func:`parse` against the columns of the Ibis table ``t``."""
    return parse(text, {c: kind_of(t[c].type()) for c in t.columns})


def _what(node: exp.Expression) -> str:
    if isinstance(node, exp.Func | exp.Anonymous):
        name = node.sql_name() if not isinstance(node, exp.Anonymous) else node.name
        return f"function {str(name).lower()}()"
    if isinstance(node, exp.Subquery | exp.Select | exp.Query):
        return "a subquery"
    if isinstance(node, exp.Star):
        return "'*'"
    if isinstance(node, exp.Binary):
        return f"operator {type(node).__name__.lower()}"
    return type(node).__name__.lower()


class _Builder:
    """Walks a parsed tree; with a table, builds the Ibis predicate, without, only checks."""

    def __init__(self, columns: dict[str, str], table: ir.Table | None) -> None:
        self.columns = columns
        self.lower = {c.lower(): c for c in columns}
        self.table = table
        self.used: set[str] = set()

    # -- conditions ------------------------------------------------------------------------
    def condition(self, node: exp.Expression) -> Any:
        if isinstance(node, exp.Paren):
            return self.condition(node.this)
        if isinstance(node, exp.And):
            return self._bool(self.condition(node.this), self.condition(node.expression), "&")
        if isinstance(node, exp.Or):
            return self._bool(self.condition(node.this), self.condition(node.expression), "|")
        if isinstance(node, exp.Not):
            inner = self.condition(node.this)
            return ~inner if self.table is not None and isinstance(inner, ir.Value) else (
                (not inner) if isinstance(inner, bool) else inner)
        if type(node) in _CMP:
            return self._compare(node)
        if isinstance(node, exp.In):
            return self._in(node)
        if isinstance(node, exp.Between):
            return self._between(node)
        if isinstance(node, exp.Is):
            return self._is(node)
        if isinstance(node, exp.Like | exp.ILike):
            return self._like(node)
        if isinstance(node, exp.Column | exp.Boolean):
            op = self.operand(node)
            if op.kind != "boolean":
                raise _err(f"column {op.column!r} holds {op.kind}, not true/false: compare it "
                           f"(e.g. {op.column} = ...)")
            return op.value
        raise _err(f"{_what(node)} is not allowed")

    def _bool(self, a: Any, b: Any, how: str) -> Any:
        if self.table is None:
            return True
        a = ibis.literal(a) if isinstance(a, bool) else a
        b = ibis.literal(b) if isinstance(b, bool) else b
        return a & b if how == "&" else a | b

    # -- operands --------------------------------------------------------------------------
    def operand(self, node: exp.Expression) -> _Op:
        if isinstance(node, exp.Paren):
            return self.operand(node.this)
        if isinstance(node, exp.Column):
            if node.table or node.args.get("db") or node.args.get("catalog"):
                raise _err(f"qualified name {node.sql()!r} is not allowed: use the column name")
            ident = node.this
            if not isinstance(ident, exp.Identifier):
                raise _err(f"{_what(ident)} is not allowed")
            name = ident.this
            col = name if name in self.columns else self.lower.get(str(name).lower())
            if col is None:
                from idic.suggest import unknown_name

                err = unknown_name("column", name, self.columns, given_in="--where")
                if ident.quoted:
                    err.hint = (f"text values go in single quotes: '{name}'; "
                                + (err.hint or ""))
                raise err
            self.used.add(col)
            kind = self.columns[col]
            if kind == "other":
                raise _err(f"column {col!r} cannot be used in a rule")
            val = self.table[col] if self.table is not None else None
            return _Op(kind, val, False, col)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return _Op("text", str(node.this), True)
            return _Op("number", _number(node.this), True)
        if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) \
                and not node.this.is_string:
            return _Op("number", -_number(node.this.this), True)
        if isinstance(node, exp.Boolean):
            return _Op("boolean", bool(node.this), True)
        if isinstance(node, exp.Null):
            return _Op("null", None, True)
        raise _err(f"{_what(node)} is not allowed")

    def _pair(self, a: _Op, b: _Op, where: str) -> tuple[Any, Any]:
        """Check two operands can meet; return their values for Ibis."""
        if a.kind == "null" or b.kind == "null":
            raise _err(f"'{where}' with null is never true: use 'is null' / 'is not null'")
        if a.literal and b.literal:
            raise _err(f"'{where}' compares two constants: name a column")
        col, lit = (a, b) if not a.literal else (b, a)
        if a.kind != b.kind:
            if col.kind == "date" and lit.literal and lit.kind == "text":
                lit = _Op("date", _date(lit.value, col.column), True)
            else:
                shown = f"'{lit.value}'" if lit.kind == "text" else str(lit.value).lower()
                other = (f"the {lit.kind} {shown}" if lit.literal
                         else f"column {lit.column!r} ({lit.kind})")
                raise _err(f"column {col.column!r} holds {col.kind}; it cannot be compared "
                           f"with {other}",
                           hint=("text values go in single quotes, numbers without"
                                 if "text" in (col.kind, lit.kind) else None))
        if not a.literal and b.literal:
            return col.value, lit.value
        if a.literal:
            return lit.value, col.value
        return a.value, b.value

    def _compare(self, node: exp.Expression) -> Any:
        a, b = self.operand(node.this), self.operand(node.expression)
        op = _CMP[type(node)]
        x, y = self._pair(a, b, _SHOWN[op])
        if self.table is None:
            return True
        x = ibis.literal(x) if not isinstance(x, ir.Value) else x
        return {"==": x.__eq__, "!=": x.__ne__, ">": x.__gt__, ">=": x.__ge__,
                "<": x.__lt__, "<=": x.__le__}[op](y)

    def _in(self, node: exp.In) -> Any:
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise _err("a subquery is not allowed in 'in (...)': list the values")
        col = self.operand(node.this)
        if col.literal:
            raise _err("'in' needs a column on its left")
        items = node.expressions
        if not items:
            raise _err("'in ()' needs at least one value")
        vals = []
        for it in items:
            lit = self.operand(it)
            if not lit.literal:
                raise _err("'in (...)' takes values, not columns")
            vals.append(self._pair(col, lit, "in")[1])
        return col.value.isin(vals) if self.table is not None else True

    def _between(self, node: exp.Between) -> Any:
        col = self.operand(node.this)
        lo, hi = self.operand(node.args["low"]), self.operand(node.args["high"])
        if col.literal:
            raise _err("'between' needs a column on its left")
        _, a = self._pair(col, lo, "between")
        _, b = self._pair(col, hi, "between")
        return col.value.between(a, b) if self.table is not None else True

    def _is(self, node: exp.Is) -> Any:
        col = self.operand(node.this)
        rhs = node.expression
        if col.literal:
            raise _err("'is' needs a column on its left")
        if isinstance(rhs, exp.Null):
            return col.value.isnull() if self.table is not None else True
        if isinstance(rhs, exp.Boolean):
            if col.kind != "boolean":
                raise _err(f"column {col.column!r} holds {col.kind}, not true/false")
            if self.table is None:
                return True
            return (col.value == bool(rhs.this)).fill_null(False)
        raise _err(f"'is {rhs.sql()}' is not allowed: use is null / is not null")

    def _like(self, node: exp.Expression) -> Any:
        col, pat = self.operand(node.this), self.operand(node.expression)
        if col.literal or not pat.literal or pat.kind != "text":
            raise _err("'like' needs a column on its left and a 'pattern' on its right")
        if node.args.get("escape"):
            raise _err("'escape' is not allowed in like")
        if col.kind != "text":
            raise _err(f"column {col.column!r} holds {col.kind}; 'like' is for text")
        if self.table is None:
            return True
        if isinstance(node, exp.ILike):
            return col.value.ilike(pat.value)
        return col.value.like(pat.value)


def _number(text: str) -> int | float:
    try:
        v = int(text)
        return v if abs(v) < 2**63 else float(v)
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        raise _err(f"{text!r} is not a number") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise _err(f"{text!r} is not a finite number")
    return f


def _date(text: str, column: str | None) -> datetime | date:
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _err(f"column {column!r} holds dates; {text!r} is not an ISO date "
                   "(YYYY-MM-DD)") from None
