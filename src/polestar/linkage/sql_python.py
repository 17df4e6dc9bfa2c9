"""SQL expressions of a stored model, run as Python on one pair of records.

The duplicate check at entry scores one new record against its candidates. DuckDB re-plans a
query that reads tables on every execution, prepared or not (duckdb#17237), and Splink's
scoring SQL takes about 8 ms to plan, a sixth of the 50 ms the whole check may take. So the
same SQL — the very expressions Splink generated from the model, and the blocking rules' keys
and filters — is translated once, with sqlglot, into Python source and compiled: one flat
expression per column, without a function call per operator.

Only what those expressions use is supported, with DuckDB's meaning: three-valued logic,
NULL-ignoring `greatest` and `least`, 1-based `substr`, and Jaro-Winkler and Damerau-Levenshtein
as DuckDB computes them (rapidfuzz's algorithms, over UTF-8 bytes). Anything else is refused when
the model is compiled, before any record arrives. Tests compare every score with DuckDB's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlglot
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from sqlglot import exp

Row = Mapping[str, Any]
# Maps a column, as written (table qualifier, name), to the Python that reads it.
ColumnSource = Callable[[str, str], str]


class Unsupported(ValueError):
    """An expression this module cannot run in Python."""


def one_row(_table: str, name: str) -> str:
    """Every column is one record's (`l.sn` and `r.sn` alike): a blocking rule's key."""
    return f"row[{name!r}]"


def pair_of_rows(table: str, name: str) -> str:
    """A pair as two records `l` and `r`: `l.x`, and Splink's `x_l`, are `l['x']`."""
    for side in ("l", "r"):
        if table == side:
            return f"{side}[{name!r}]"
        if not table and name.endswith(f"_{side}"):
            return f"{side}[{name[:-2]!r}]"
    raise Unsupported(f"column {name!r} belongs to neither record of the pair")


def _jaro_winkler(a: str, b: str) -> float:
    """DuckDB's: over the UTF-8 bytes, and 0 when either string is empty."""
    return JaroWinkler.similarity(a.encode(), b.encode()) if a and b else 0.0


def damerau_levenshtein(a: str, b: str) -> int:
    """DuckDB's `damerau_levenshtein`: unrestricted (`CA`, `ABC` is 2), over the UTF-8 bytes."""
    return int(DamerauLevenshtein.distance(a.encode(), b.encode()))


def _log2(value: float) -> float:
    return math.log2(value)


def _substr(value: str, start: int, length: int | None = None) -> str:
    """DuckDB's `substr`: 1-based; a start before the string shortens what is taken."""
    first = start - 1
    end = None if length is None else max(first + length, 0)
    return value[max(first, 0) : end]


def _greatest(*values: Any) -> Any:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _least(*values: Any) -> Any:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _overlaps(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return not set(a).isdisjoint(b)


# What the generated source may call, by name.
_NAMESPACE: dict[str, Any] = {
    "_jw": _jaro_winkler,
    "_dl": damerau_levenshtein,
    "_log2": _log2,
    "_substr": _substr,
    "_greatest": _greatest,
    "_least": _least,
    "_overlaps": _overlaps,
}
_OPERATORS: dict[type[exp.Expression], str] = {
    exp.EQ: "==",
    exp.NEQ: "!=",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
}
# Functions NULL in, NULL out, by the name of their Python in `_NAMESPACE` or builtins.
_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.JarowinklerSimilarity: "_jw",
    exp.ArrayOverlaps: "_overlaps",
    exp.Abs: "abs",
    exp.Length: "len",
    exp.Log: "_log2",
}


class _Source:
    """Python source for SQL expressions; strict operands are bound once with `:=`."""

    def __init__(self, column: ColumnSource) -> None:
        self.column = column
        self.names = (f"_v{n}" for n in itertools.count())

    def strict(self, template: str, *operands: exp.Expression) -> str:
        """`template` over the operands' values, or None when any of them is NULL."""
        names = [next(self.names) for _ in operands]
        bound = " or ".join(
            f"({name} := {self.of(operand)}) is None"
            for name, operand in zip(names, operands, strict=True)
        )
        return f"(None if {bound} else {template.format(*names)})"

    def of(self, node: exp.Expression) -> str:
        kind = type(node)
        if isinstance(node, exp.Column):
            return self.column(node.table, node.name)
        if isinstance(node, exp.Literal):
            return repr(node.this if node.is_string else _number(node.this))
        if isinstance(node, exp.Boolean):
            return repr(bool(node.this))
        if isinstance(node, exp.Null):
            return "None"
        if isinstance(node, exp.Paren):
            return self.of(node.this)
        if kind in _OPERATORS:
            return self.strict(f"({{}} {_OPERATORS[kind]} {{}})", node.this, node.expression)
        if isinstance(node, exp.Pow):
            return self.strict("(float({}) ** {})", node.this, node.expression)
        if isinstance(node, exp.Log):
            if node.this != exp.Literal.number(2):
                raise Unsupported(node.sql())
            return self.strict("_log2({})", node.expression)
        if kind in _FUNCTIONS:
            operands = [node.this, *([node.expression] if node.expression else [])]
            placeholders = ", ".join("{}" for _ in operands)
            return self.strict(f"{_FUNCTIONS[kind]}({placeholders})", *operands)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "damerau_levenshtein":
            return self.strict("_dl({}, {})", *node.expressions)
        if isinstance(node, exp.StartsWith):
            return self.strict("{}.startswith({})", node.this, node.expression)
        if isinstance(node, exp.Neg):
            return self.strict("(-{})", node.this)
        if isinstance(node, exp.Not):
            return self.strict("(not {})", node.this)
        if isinstance(node, exp.NullSafeEQ | exp.NullSafeNEQ):
            operator = "==" if isinstance(node, exp.NullSafeEQ) else "!="
            return f"({self.of(node.this)} {operator} {self.of(node.expression)})"
        if isinstance(node, exp.And | exp.Or):
            return self.logical(node)
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise Unsupported(node.sql())
            return f"({self.of(node.this)} is None)"
        if isinstance(node, exp.Cast):
            return self.cast(node)
        if isinstance(node, exp.Coalesce):
            values = [self.of(e) for e in (node.this, *node.expressions)]
            *firsts, last = values
            source = last
            for value in reversed(firsts):
                name = next(self.names)
                source = f"({name} if ({name} := {value}) is not None else {source})"
            return source
        if isinstance(node, exp.Greatest | exp.Least):
            function = "_greatest" if isinstance(node, exp.Greatest) else "_least"
            listed = ", ".join(self.of(e) for e in (node.this, *node.expressions))
            return f"{function}({listed})"
        if isinstance(node, exp.Substring):
            parts = [node.this, node.args["start"]]
            if node.args.get("length"):
                parts.append(node.args["length"])
            return self.strict(f"_substr({', '.join('{}' for _ in parts)})", *parts)
        if isinstance(node, exp.Case):
            return self.case(node)
        if isinstance(node, exp.If):
            return self.case(exp.Case(ifs=[node]))
        raise Unsupported(f"{kind.__name__}: {node.sql(dialect='duckdb')[:80]}")

    def logical(self, node: exp.And | exp.Or) -> str:
        """Three-valued AND and OR: the deciding value wins over NULL."""
        a, b = next(self.names), next(self.names)
        left, right = self.of(node.this), self.of(node.expression)
        decides = "False" if isinstance(node, exp.And) else "True"
        otherwise = "True" if isinstance(node, exp.And) else "False"
        return (
            f"({decides} if ({a} := {left}) is {decides} or ({b} := {right}) is {decides} "
            f"else (None if {a} is None or {b} is None else {otherwise}))"
        )

    def cast(self, node: exp.Cast) -> str:
        for types, convert in (
            (exp.DataType.REAL_TYPES, float),
            (exp.DataType.INTEGER_TYPES, int),
            (exp.DataType.TEXT_TYPES, str),
        ):
            if node.to.is_type(*types):
                if isinstance(node.this, exp.Literal):
                    return repr(convert(_number(node.this.this)))
                return self.strict(f"{convert.__name__}({{}})", node.this)
        raise Unsupported(f"CAST to {node.to.sql()}")

    def case(self, node: exp.Case) -> str:
        if node.this is not None:
            raise Unsupported("CASE x WHEN …")
        default = node.args.get("default")
        source = self.of(default) if default is not None else "None"
        for branch in reversed(node.args["ifs"]):
            source = (
                f"({self.of(branch.args['true'])} if {self.of(branch.this)} is True else {source})"
            )
        return source


def _columns_of(step: str) -> ColumnSource:
    """Columns read from the dict a previous step made."""
    return lambda _table, name: f"{step}[{name!r}]"


def compile_row(sql: str) -> Callable[[Row], Any]:
    """The SQL expression as a Python function of one record (a blocking rule's key)."""
    source = _Source(one_row).of(_parse(sql))
    function: Callable[[Row], Any] = eval(f"lambda row: {source}", dict(_NAMESPACE))
    return function


def compile_pair(sql: str) -> Callable[[Row, Row], Any]:
    """The SQL expression as a Python function of a pair of records (`l`, `r`)."""
    source = _Source(pair_of_rows).of(_parse(sql))
    function: Callable[[Row, Row], Any] = eval(f"lambda l, r: {source}", dict(_NAMESPACE))
    return function


def compile_steps(
    steps: Sequence[Sequence[tuple[str, exp.Expression]]],
) -> Callable[[Row, Row], dict[str, Any]]:
    """One function of a pair of records computing SELECT after SELECT, each over the columns
    of the one before (as Splink's CTEs do); it returns the columns of the last."""
    lines = ["def steps(l, r):"]
    for number, columns in enumerate(steps):
        source = _Source(pair_of_rows if number == 0 else _columns_of(f"s{number - 1}"))
        fields = ", ".join(f"{name!r}: {source.of(node)}" for name, node in columns)
        lines.append(f"    s{number} = {{{fields}}}")
    lines.append(f"    return s{len(steps) - 1}")
    namespace = dict(_NAMESPACE)
    exec("\n".join(lines), namespace)
    function: Callable[[Row, Row], dict[str, Any]] = namespace["steps"]
    return function


def _parse(sql: str) -> exp.Expression:
    node = sqlglot.parse_one(sql, read="duckdb")
    assert isinstance(node, exp.Expression)
    return node


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)
