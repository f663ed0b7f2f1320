"""One function, compiled once per syscall number with its tests of the number folded.

`ResultRules.judge` asks a call's number about a hundred questions at its return
(`nr in _FD_CALLS`, `nr == NR_RT_SIGPENDING`, ...), `ExceptionEntry.note_call` some
twenty at its entry, each against a constant at module level, and most calls answer
almost all of them "no".  Asked at run time they are a sixth of a confidential null
syscall's cost.  `ByNumber` compiles, once a number has been met often enough to pay
for it, a copy of the function in which each such test is the constant it is for that
number, and the statements and branches a constant rules out are gone.  The source
stays the one definition: the copy is built from it by the rules below, with its file
and line numbers, so a traceback or a coverage report points at the real lines.

What is folded, exactly (nothing else changes; evaluation order and values are Python's):
- `nr in NAME`, `nr not in NAME`, `nr == NAME`, `nr != NAME`, where NAME is a module
  global holding a frozenset, a tuple, a range or an int (a mutable set is left alone:
  it could change after the copy is made), and `nr is None`, `nr is not None`;
- a local assigned once, from such a constant, and never rebound, where it is read;
- `not C`, `C if .. else ..`, `if C:` and a leading constant in `and`/`or`
  (`True and E` is `E`, `False and E` is `False`, `True or E` is `True`, `False or E`
  is `E`: the same value as Python gives, not only the same truth).
"""

from __future__ import annotations

import ast
import dis
import inspect
import linecache
import opcode
import textwrap
from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any

_FOLDABLE = (frozenset, tuple, range, int)


class _Fold(ast.NodeTransformer):
    """Folds one number's tests, and the constants they leave, out of a function body."""

    def __init__(self, param: str, nr: int, module: dict[str, Any],
                 single: frozenset[str]) -> None:
        self.param, self.nr, self.module = param, nr, module
        #: Locals bound once, at the function's top level, to what folded to a constant:
        #: learnt in statement order, so each is known before the lines that read it.
        self.single = single
        self.constants: dict[str, Any] = {}

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        body: list[ast.stmt] = []
        for stmt in node.body:
            made = self.visit(stmt)
            for new in made if isinstance(made, list) else [made]:
                body.append(new)
                if isinstance(new, ast.Assign) and len(new.targets) == 1 and \
                        isinstance(new.targets[0], ast.Name) and \
                        new.targets[0].id in self.single and isinstance(new.value, ast.Constant):
                    self.constants[new.targets[0].id] = new.value.value
        node.body = body
        return node

    def _value_of(self, node: ast.expr) -> tuple[bool, Any]:
        if isinstance(node, ast.Name) and node.id in self.module and \
                type(self.module[node.id]) in _FOLDABLE and not isinstance(self.module[node.id], bool):
            return True, self.module[node.id]
        return False, None

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.constants:
            return ast.copy_location(ast.Constant(self.constants[node.id]), node)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if not (isinstance(node.left, ast.Name) and node.left.id == self.param
                and len(node.ops) == 1):
            return node
        right = node.comparators[0]
        if isinstance(node.ops[0], ast.Is | ast.IsNot) and isinstance(right, ast.Constant) \
                and right.value is None:
            result = (self.nr is None) == isinstance(node.ops[0], ast.Is)
            return ast.copy_location(ast.Constant(result), node)
        known, value = self._value_of(node.comparators[0])
        if not known:
            return node
        op = node.ops[0]
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(value, int):
                return node
            answer = self.nr in value
            result = answer if isinstance(op, ast.In) else not answer
        elif isinstance(op, ast.Eq | ast.NotEq):
            if not isinstance(value, int):
                return node
            result = (self.nr == value) == isinstance(op, ast.Eq)
        else:
            return node
        return ast.copy_location(ast.Constant(result), node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        values = list(node.values)
        is_and = isinstance(node.op, ast.And)
        while values and isinstance(values[0], ast.Constant):
            first = values[0].value
            if bool(first) != is_and:        # False and ... / True or ...: the first decides
                return values[0]
            values.pop(0)                    # True and E / False or E: E
        if not values:
            return ast.copy_location(ast.Constant(is_and), node)
        if len(values) == 1:
            return values[0]
        node.values = values
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Constant):
            return ast.copy_location(ast.Constant(not node.operand.value), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_If(self, node: ast.If) -> Any:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node


def _bound_once(func: ast.FunctionDef, nodes: list[ast.AST] | None = None) -> frozenset[str]:
    """Locals bound exactly once in the function, by a plain assignment at its top level
    (`nodes`: the function's walk, where the caller has it)."""
    stores: dict[str, int] = {}
    for node in nodes if nodes is not None else ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            stores[node.id] = stores.get(node.id, 0) + 1
    return frozenset(stmt.targets[0].id for stmt in func.body
                     if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                     and isinstance(stmt.targets[0], ast.Name)
                     and stores.get(stmt.targets[0].id) == 1)


def _fill_empty(tree: ast.AST) -> None:
    """A block a fold emptied holds `pass` (an empty body does not compile)."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and not body:
            node.body = [ast.copy_location(ast.Pass(), node)]   # type: ignore[attr-defined]


def _source_lines(fn: FunctionType) -> tuple[list[str], int]:
    """The lines of `fn`'s definition and the number of its first, read from the file
    through `linecache` and bounded by the last line its bytecode points at (cheaper
    than `inspect.getsourcelines`, which tokenizes the whole block; the caller checks
    the lines against the bytecode)."""
    code = fn.__code__
    filename = inspect.getsourcefile(fn) or code.co_filename
    lines = linecache.getlines(filename, fn.__globals__)
    first = code.co_firstlineno
    last = max((end for _, end, _, _ in code.co_positions() if end is not None), default=first)
    if not lines or last > len(lines):
        raise OSError(f"{code.co_qualname}: no source to read")
    return lines[first - 1:last], first


_CACHE, _EXTENDED = opcode.opmap["CACHE"], opcode.opmap["EXTENDED_ARG"]
_LOAD_METHOD, _LOAD_ATTR = opcode.opmap.get("LOAD_METHOD", -1), opcode.opmap["LOAD_ATTR"]
_LOAD_GLOBAL = opcode.opmap["LOAD_GLOBAL"]
_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
_CONSTS, _NAMES = frozenset(dis.hasconst), frozenset(dis.hasname)
#: name operations whose argument holds flags below the name's index (LOAD_GLOBAL's
#: NULL bit; from 3.12 LOAD_ATTR's method bit and LOAD_SUPER_ATTR's two)
_NAME_SHIFT = {_LOAD_GLOBAL: 1} | ({_LOAD_ATTR: 1} if _LOAD_METHOD < 0 else {}) | {
    op: 2 for op in (opcode.opmap.get("LOAD_SUPER_ATTR", -1),) if op >= 0}


def _ops(code: CodeType) -> tuple[tuple[Any, ...], ...]:
    """What `code` does, instruction by instruction: its line, the operation and its
    argument (a constant with its type, a name, a comparison or other number; a nested
    function's own operations; none for a jump, whose place the lines pin), a method
    load read as an attribute load.  Read from the bytes (dis is several times dearer)."""
    raw, consts, names = code.co_code, code.co_consts, code.co_names
    line_at: list[int | None] = [None] * (len(raw) // 2)
    for start, end, line in code.co_lines():
        line_at[start // 2:end // 2] = [line] * ((end - start) // 2)
    out: list[tuple[Any, ...]] = []
    arg = 0
    for i in range(0, len(raw), 2):
        op = raw[i]
        if op == _CACHE:
            continue
        arg |= raw[i + 1]
        if op == _EXTENDED:
            arg <<= 8
            continue
        value: Any = arg
        if op == _LOAD_METHOD:
            op = _LOAD_ATTR
        if op in _JUMPS:
            value = None
        elif op in _CONSTS and arg < len(consts):
            c = consts[arg]
            value = _ops(c) if isinstance(c, CodeType) else (type(c), c)
        elif op in _NAMES:
            at = arg >> _NAME_SHIFT.get(op, 0)
            value = names[at] if at < len(names) else arg
        out.append((line_at[i // 2], op, value))
        arg = 0
    return tuple(out)


def _shape(code: CodeType) -> tuple[tuple[tuple[Any, ...], ...], tuple[str, ...]]:
    """What a copy compiled from the same lines shares with the original: its
    operations, line by line, with their constants, names and comparisons (`_ops`), and
    its locals."""
    return _ops(code), code.co_varnames


class _Source:
    """A function's source, read and checked once: what each fold re-parses."""

    def __init__(self, fn: FunctionType, param: str) -> None:
        lines, self.first = _source_lines(fn)
        self.text = textwrap.dedent("".join(lines))
        self.filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
        self.module = fn.__globals__
        self.qualname = fn.__qualname__
        self.param = param
        if fn.__code__.co_freevars:
            raise TypeError(f"{fn.__qualname__}: a closure cannot be recompiled apart")
        tree = self.parse()
        func = tree.body[0]
        assert isinstance(func, ast.FunctionDef)
        nodes = list(ast.walk(func))
        for node in nodes:
            if isinstance(node, ast.Name) and node.id == param and not isinstance(node.ctx, ast.Load):
                raise TypeError(f"{fn.__qualname__}: rebinds {param!r}, which folding assumes fixed")
            name = node.attr if isinstance(node, ast.Attribute) else ""
            if name.startswith("__") and not name.endswith("__"):
                raise TypeError(f"{fn.__qualname__}: a private name {name!r} needs its class")
        self.single = _bound_once(func, nodes)
        # The lines read must be the function that runs (a file edited since it was
        # imported would fold other code): compiled unfolded, they run on the same lines
        # the same operations on the same constants and names.  (Not the same bytes:
        # compiled alone, `module.f()` is a method load where the module's compile knew
        # `module` was imported; jumps move with it.)
        if _shape(self._compile(tree).__code__) != _shape(fn.__code__):
            raise OSError(f"{fn.__qualname__}: its source file no longer matches its code")
        self._spare: ast.Module | None = tree      # (unchanged by compile: the first fold's)

    def parse(self) -> ast.Module:
        # Blank lines before the text give each node its line in the file, as the
        # original has (what ast.increment_lineno does, without walking the tree).
        try:
            tree = ast.parse("\n" * (self.first - 1) + self.text)
        except SyntaxError as e:      # (lines cut where the bytecode bound misjudged them)
            raise OSError(f"{self.qualname}: its source does not parse apart: {e}") from e
        func = tree.body[0]
        if not isinstance(func, ast.FunctionDef):
            raise TypeError(f"{self.qualname}: not a plain function")
        # The copy is the body alone: no decorators, no annotations to evaluate.
        func.decorator_list = []
        func.returns = None
        for arg in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs):
            arg.annotation = None
        return tree

    def _compile(self, tree: ast.Module) -> FunctionType:
        scope: dict[str, Any] = {}
        exec(compile(tree, self.filename, "exec"), self.module, scope)  # noqa: S102 - its own source
        made: FunctionType = next(iter(scope.values()))
        return made

    def fold(self, nr: int) -> FunctionType:
        """The function compiled with every test of its parameter folded for `nr`."""
        tree, self._spare = self._spare or self.parse(), None
        tree = _Fold(self.param, nr, self.module, self.single).visit(tree)
        _fill_empty(tree)
        ast.fix_missing_locations(tree)
        made = self._compile(tree)
        made.__qualname__ = f"{self.qualname}[{self.param}={nr}]"
        made.__code__ = made.__code__.replace(co_qualname=made.__qualname__)   # (profiles)
        return made


def fold(fn: FunctionType, param: str, nr: int) -> FunctionType:
    """`fn` compiled with every test of its parameter `param` folded for the value `nr`."""
    return _Source(fn, param).fold(nr)


#: Calls of one number made through the function as written before it is compiled for
#: that number.  Measured here: the first fold of a run costs about 25 ms (the source
#: read, parsed and checked once per function, then folded, for `judge` and `note_call`
#: together), each later number about 10 ms; a folded number saves about 3 us a call
#: (a read) to 6 us (getppid).  So a fold pays only after several thousand calls, and a
#: number met fewer times (all of a short run's, and a 20 MB sha256sum's 5,120 reads) is
#: never worth one; at the break-even point a run pays at most twice what the best choice
#: in hindsight would have.
FOLD_AFTER = 8000


class ByNumber(dict[int, Callable[..., Any]]):
    """`fn` per value of its parameter `param`: as written until that value has been met
    `fold_after` times, then compiled with the value's tests folded.  Either way the
    same rules run with the same results; only their cost differs."""

    def __init__(self, fn: Callable[..., Any], param: str = "nr",
                 fold_after: int = FOLD_AFTER) -> None:
        super().__init__()
        assert isinstance(fn, FunctionType)
        self.fn: FunctionType = fn
        self.param = param
        self.fold_after = fold_after
        self.met: dict[int, int] = {}
        self._source: _Source | None = None

    def source(self) -> _Source:
        if self._source is None:
            self._source = _Source(self.fn, self.param)
        return self._source

    def __missing__(self, nr: int) -> Callable[..., Any]:
        met = self.met.get(nr, 0) + 1
        self.met[nr] = met
        if met <= self.fold_after:
            return self.fn
        try:
            made: Callable[..., Any] = self.source().fold(nr)
        except OSError:             # no source to read (a build that ships bytecode only)
            made = self.fn          # the function as written, from now on: same rules
        self[nr] = made
        return made
