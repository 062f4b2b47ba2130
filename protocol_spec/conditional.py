"""Conditional fields: ``If("flags.qos > 0", u16)`` is present only when the
predicate over earlier fields holds, and is ``None`` when absent."""

from __future__ import annotations

import ast
import typing
from typing import Any

import construct

from ._engine import Gen, Reader
from .errors import BadValueError, EncodeError, SchemaError
from .fields import Field

__all__ = ["If"]

# the expression language: comparisons, boolean logic, arithmetic and bit
# operations over earlier field names (dotted for sub-fields) and constants
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Invert,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Mod,
    ast.FloorDiv,
    ast.BitAnd,
    ast.BitOr,
    ast.BitXor,
    ast.LShift,
    ast.RShift,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Constant,
    ast.Tuple,
    ast.List,
)


class _Attrs(dict):
    """A dict whose keys read as attributes too (construct's build context)."""

    __getattr__ = dict.__getitem__


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id=self.names[node.id], ctx=ast.Load()), node)


class If(Field):
    """``If(condition, field)``: ``field`` is on the wire only when ``condition``
    holds; absent, its attribute is ``None`` (the default).

    ``condition`` is a Python expression over the *earlier* fields of the same
    message: names (``qos``), sub-fields of bit fields and nested messages
    (``flags.qos``), int/bytes/str constants, comparisons, ``and``/``or``/``not``,
    ``+ - * // % & | ^ << >> ~`` and ``in (1, 2)``.  It is compiled into the
    generated fast path.  On encode a present condition needs a value, and an
    absent one needs ``None``: a value given where the condition is false is an
    :class:`EncodeError`, never dropped silently.  (Where the field itself can be
    ``None``, e.g. ``If("v >= 1", String(i16, null=-1))``, a present ``None`` is
    written as its null marker.)
    """

    def __init__(self, condition: str, field: Any) -> None:
        from .composite import _check_inner, as_field  # noqa: PLC0415 - composite imports fields

        if not isinstance(condition, str):
            raise SchemaError(f"If() needs the condition as a string, not {condition!r}")
        try:
            tree = ast.parse(condition.strip(), mode="eval")
        except SyntaxError as exc:
            raise SchemaError(f"If({condition!r}): not an expression: {exc.msg}") from None
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise SchemaError(
                    f"If({condition!r}): {type(node).__name__} is not allowed in a condition"
                )
            if isinstance(node, ast.Constant) and not isinstance(
                node.value, (int, bytes, str, type(None))
            ):
                raise SchemaError(f"If({condition!r}): constant {node.value!r} is not allowed")
            if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                raise SchemaError(f"If({condition!r}): attribute {node.attr!r} is not allowed")
        self.inner = as_field(field)
        _check_inner(self.inner, "a conditional field")
        self.depth = self.inner.depth
        self.scoped = True
        # a present field may itself be None (a null marker, an Optional)
        self.none_inside = getattr(self.inner, "null", None) is not None or hasattr(
            self.inner, "inner"
        )
        self.condition = condition.strip()
        self.tree = tree
        #: the field names the condition reads (each must be an earlier field)
        self.names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
        #: (field, attribute) for every ``field.attribute`` read (checked at definition)
        self.attributes = sorted(
            {
                (n.value.id, n.attr)
                for n in ast.walk(tree)
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            }
        )
        self.code = compile(tree, f"<wirekit If({self.condition})>", "eval")
        self.greedy = self.inner.greedy
        self.fast_reads = self.inner.fast_reads
        t = self.inner.py_type
        self.py_type = object if t is object else typing.Optional[t]  # noqa: UP045

    def type_name(self) -> str:
        return f"{self.inner.type_name()} if {self.condition}"

    def holds(self, scope: Any) -> bool:
        """Evaluate the condition over ``scope`` (field name -> value)."""
        return bool(eval(self.code, {"__builtins__": {}}, scope))  # noqa: S307 - checked AST

    def _expr(self, g: Gen) -> str:
        return ast.unparse(_Rename(g.scope).visit(ast.parse(self.condition, mode="eval")))

    # careful path
    def read(self, r: Reader, path: str) -> Any:
        try:
            present = self.holds(r.scope)
        except Exception as exc:
            r.fail(
                BadValueError,
                f"cannot evaluate the condition {self.condition!r}: {exc}",
                path,
                r.pos,
                cause=exc,
            )
        return self.inner.read(r, path) if present else None

    def write(self, value: Any, out: bytearray, path: str) -> None:
        raise TypeError("If.write needs the message's values: use write_in")

    def write_in(self, value: Any, out: bytearray, path: str, scope: Any) -> None:
        """Write ``value`` when the condition holds over ``scope`` (the message's values)."""
        try:
            present = self.holds(scope)
        except Exception as exc:
            raise EncodeError(
                f"cannot evaluate the condition {self.condition!r}: {exc}", path=path
            ) from exc
        if present:
            if value is None and not self.none_inside:
                raise EncodeError(f"required when {self.condition}", path=path)
            self.inner.write(value, out, path)
        elif value is not None:
            raise EncodeError(
                f"given ({value!r:.40}) but absent from the wire: {self.condition} is false",
                path=path,
            )

    # fast path
    def gen_read(self, g: Gen, target: str) -> None:
        with g.block(f"if {self._expr(g)}:"):
            self.inner.gen_read(g, target)
        with g.block("else:"):
            g.emit(f"{target} = None")

    def gen_write(self, g: Gen, expr: str) -> None:
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        with g.block(f"if {self._expr(g)}:"):
            if not self.none_inside:
                with g.block(f"if {t} is None:"):
                    g.emit("raise ValueError")
            self.inner.gen_write(g, t)
        with g.block(f"elif {t} is not None:"):
            g.emit("raise ValueError")

    def to_construct(self) -> construct.Construct:
        code = self.code

        def holds(ctx: Any) -> bool:
            scope = {k: _Attrs(v) if isinstance(v, dict) else v for k, v in ctx.items()}
            return bool(eval(code, {"__builtins__": {}}, scope))  # noqa: S307

        return construct.If(holds, self.inner.to_construct())
