"""PML, the Prompt Markup Language: schemas of reusable modules, and prompts that import them.

Both spellings in use are accepted:

- the paper's: ``<param name="duration" len="2"/>`` (``len=2`` unquoted, as printed, also parses);
- the authors' code's: ``<parameter name="duration" length="2" scaffold="three days"/>``,
  ``<union scaffold="member">``.

A schema holds text, ``<module name>`` (nested at will), ``<union>`` of modules that share a start
position, parameters inside modules, and ``<system>/<user>/<assistant>`` roles that compile into the
model's chat template. A prompt is ``<prompt schema="name">`` with modules imported as empty tags
(``<trip-plan duration="3 days"/>``; nested imports go inside their parent's tag), roles and plain
text, which is computed fresh.

Errors name the file, the line and the problem (:class:`~llm.errors.PMLError`).
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from llm.errors import PMLError

__all__ = ["Import", "Module", "Param", "Prompt", "Role", "Schema", "Text", "Union",
           "parse_prompt", "parse_schema", "read_pml"]

NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_\-.]*$")
ROLES = ("system", "user", "assistant")
RESERVED = frozenset({"schema", "module", "param", "parameter", "union", "prompt", *ROLES})
_BARE_ATTR = re.compile(r"(<(?:param|parameter)\b[^>]*?\s[\w-]+=)(\d+)(?=[\s/>])")


# --- the tree -----------------------------------------------------------------------------
@dataclass
class Text:
    text: str
    line: int = 0


@dataclass
class Param:
    name: str
    length: int
    scaffold: str | None = None
    line: int = 0


@dataclass
class Module:
    name: str
    children: list[SchemaNode] = field(default_factory=list)
    line: int = 0


@dataclass
class Union:
    members: list[Module] = field(default_factory=list)
    default: str | None = None    # the member encoded in the whole-schema pass (artifact)
    line: int = 0


@dataclass
class Role:
    role: str
    children: list[SchemaNode | PromptNode] = field(default_factory=list)
    line: int = 0


@dataclass
class Schema:
    name: str
    children: list[SchemaNode] = field(default_factory=list)
    source: str = "<schema>"


@dataclass
class Import:
    name: str
    args: dict[str, str] = field(default_factory=dict)
    children: list[Import] = field(default_factory=list)
    line: int = 0


@dataclass
class Prompt:
    schema: str
    children: list[PromptNode] = field(default_factory=list)
    source: str = "<prompt>"


SchemaNode = Text | Param | Module | Union | Role
PromptNode = Text | Import | Role


# --- a DOM with line numbers over expat -------------------------------------------------
@dataclass
class _Elem:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Elem | tuple[str, int]] = field(default_factory=list)


def _dom(text: str, source: str) -> _Elem:
    text = _BARE_ATTR.sub(r'\1"\2"', text)
    parser = xml.parsers.expat.ParserCreate()
    stack: list[_Elem] = []
    root: list[_Elem] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        el = _Elem(tag, dict(attrs), parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if not stack:
            return
        kids = stack[-1].children
        if kids and isinstance(kids[-1], tuple):
            kids[-1] = (kids[-1][0] + data, kids[-1][1])
        else:
            kids.append((data, parser.CurrentLineNumber))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise PMLError(source, exc.lineno, f"malformed PML: {xml.parsers.expat.ErrorString(exc.code)}",
                       "PML is XML: escape '<' and '&' in text as &lt; and &amp; "
                       "(or wrap the text in <![CDATA[ ... ]]>)") from None
    return root[0]


def _clean(text: str) -> str:
    """Drop layout whitespace: edges made of indentation and newlines; inner text is kept."""
    text = re.sub(r"^\s*\n[ \t]*", "", text)
    return re.sub(r"\n\s*$", "", text)


def _check_attrs(el: _Elem, allowed: set[str], source: str) -> None:
    for key in el.attrs:
        if key not in allowed:
            want = ", ".join(sorted(allowed)) or "none"
            raise PMLError(source, el.line, f"<{el.tag}> has an unknown attribute '{key}'",
                           f"allowed: {want}")


def _name(el: _Elem, source: str, what: str) -> str:
    name = el.attrs.get("name")
    if not name:
        raise PMLError(source, el.line, f"<{el.tag}> needs a name attribute")
    if not NAME_RE.match(name):
        raise PMLError(source, el.line, f"{what} name '{name}' is not a valid name",
                       "use letters, digits, '_', '-', '.', starting with a letter or '_'")
    if name in RESERVED:
        raise PMLError(source, el.line, f"{what} name '{name}' is reserved")
    return name


# --- schemas ---------------------------------------------------------------------------
def parse_schema(text: str, source: str = "<schema>") -> Schema:
    """Parse and validate a ``<schema>`` document."""
    root = _dom(text, source)
    if root.tag != "schema":
        raise PMLError(source, root.line, f"expected <schema>, found <{root.tag}>")
    _check_attrs(root, {"name"}, source)
    name = _name(root, source, "schema")
    schema = Schema(name, [], source)
    schema.children = _schema_children(root, source, in_module=False, base=Path(source).parent)
    return schema


def _schema_children(el: _Elem, source: str, in_module: bool, base: Path) -> list[SchemaNode]:
    out: list[SchemaNode] = []
    seen: dict[str, int] = {}

    def claim(name: str, line: int, what: str) -> None:
        if name in seen:
            raise PMLError(source, line, f"{what} '{name}' is defined twice in one scope",
                           f"first at line {seen[name]}; names must be unique per scope")
        seen[name] = line

    for child in el.children:
        if isinstance(child, tuple):
            text = _clean(child[0])
            if text:
                out.append(Text(text, child[1]))
            continue
        tag = child.tag
        if tag == "module":
            _check_attrs(child, {"name", "src"}, source)
            name = _name(child, source, "module")
            claim(name, child.line, "module")
            out.append(_module(child, name, source, base))
        elif tag == "union":
            _check_attrs(child, {"scaffold"}, source)
            union = Union(line=child.line, default=child.attrs.get("scaffold"))
            for m in child.children:
                if isinstance(m, tuple):
                    if m[0].strip():
                        raise PMLError(source, m[1], "text directly inside <union>",
                                       "a union holds only <module> members")
                    continue
                if m.tag != "module":
                    raise PMLError(source, m.line, f"<{m.tag}> inside <union>",
                                   "a union holds only <module> members")
                _check_attrs(m, {"name", "src"}, source)
                mname = _name(m, source, "module")
                claim(mname, m.line, "module")
                union.members.append(_module(m, mname, source, base))
            if not union.members:
                raise PMLError(source, child.line, "empty <union>")
            if union.default is not None and union.default not in {m.name for m in union.members}:
                raise PMLError(source, child.line,
                               f"union scaffold '{union.default}' is not one of its members")
            out.append(union)
        elif tag in ("param", "parameter"):
            if not in_module:
                raise PMLError(source, child.line, f"<{tag}> outside any module",
                               "parameters belong to a <module>")
            out.append(_param(child, source, claim))
        elif tag in ROLES:
            _check_attrs(child, set(), source)
            role = Role(tag, list(_schema_children(child, source, in_module, base)), child.line)
            out.append(role)
        else:
            raise PMLError(source, child.line, f"unknown element <{tag}> in a schema",
                           "use <module>, <union>, <param>, <system>, <user> or <assistant>")
    return out


def _module(el: _Elem, name: str, source: str, base: Path) -> Module:
    src = el.attrs.get("src")
    if src is not None:
        if any(not isinstance(c, tuple) or c[0].strip() for c in el.children):
            raise PMLError(source, el.line, f"module '{name}' has both src= and content")
        path = base / src
        try:
            body = path.read_text()
        except OSError as exc:
            raise PMLError(source, el.line, f"module '{name}': cannot read {path}: "
                           f"{exc.strerror}") from None
        return Module(name, [Text(body, el.line)], el.line)
    return Module(name, _schema_children(el, source, True, base), el.line)


def _param(el: _Elem, source: str, claim: object) -> Param:
    paper = el.tag == "param"
    length_key = "len" if paper else "length"
    _check_attrs(el, {"name", length_key} | ({"scaffold"} if not paper else set()), source)
    name = _name(el, source, "parameter")
    raw = el.attrs.get(length_key)
    if raw is None or not raw.isdigit() or int(raw) < 1:
        raise PMLError(source, el.line, f"parameter '{name}' needs {length_key}=N (N >= 1 tokens)")
    if any(not isinstance(c, tuple) or c[0].strip() for c in el.children):
        raise PMLError(source, el.line, f"parameter '{name}' must be an empty element")
    claim(name, el.line, "parameter")  # type: ignore[operator]
    return Param(name, int(raw), el.attrs.get("scaffold"), el.line)


# --- prompts ---------------------------------------------------------------------------
def parse_prompt(text: str, source: str = "<prompt>") -> Prompt:
    """Parse a ``<prompt schema=...>`` document (validated against its schema when served)."""
    root = _dom(text, source)
    if root.tag != "prompt":
        raise PMLError(source, root.line, f"expected <prompt>, found <{root.tag}>")
    _check_attrs(root, {"schema"}, source)
    schema = root.attrs.get("schema")
    if not schema:
        raise PMLError(source, root.line, "<prompt> needs a schema attribute")
    return Prompt(schema, _prompt_children(root, source, top=True), source)


def _prompt_children(el: _Elem, source: str, top: bool) -> list[PromptNode]:
    out: list[PromptNode] = []
    for child in el.children:
        if isinstance(child, tuple):
            text = _clean(child[0])
            if text and not top:
                raise PMLError(source, child[1], "text inside a module import",
                               "put new text outside the imported modules' tags")
            if text:
                out.append(Text(text, child[1]))
            continue
        if child.tag in ROLES:
            _check_attrs(child, set(), source)
            parts: list[SchemaNode | PromptNode] = []
            for c in child.children:
                if not isinstance(c, tuple):
                    raise PMLError(source, c.line, f"<{c.tag}> inside <{child.tag}> in a prompt",
                                   "a prompt's role holds text only; import modules outside it")
                parts.append(Text(_clean(c[0]), c[1]))
            if not top:
                raise PMLError(source, child.line, f"<{child.tag}> inside a module import")
            out.append(Role(child.tag, parts, child.line))
            continue
        if child.tag in RESERVED:
            raise PMLError(source, child.line, f"<{child.tag}> cannot appear in a prompt")
        out.append(Import(child.tag, dict(child.attrs),
                          [c for c in _prompt_children(child, source, top=False)
                           if isinstance(c, Import)], child.line))
    return out


def read_pml(path: Path) -> Schema | Prompt:
    """Read a schema or a prompt from a file."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise PMLError(str(path), None, f"cannot read: {exc.strerror}") from None
    stripped = text.lstrip()
    if stripped.startswith("<prompt"):
        return parse_prompt(text, str(path))
    return parse_schema(text, str(path))
