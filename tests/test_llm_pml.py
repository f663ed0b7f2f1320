"""PML parsing, the builder, and their errors (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm.errors import PMLError
from llm.promptcache.builder import PromptBuilder, SchemaBuilder, schema_to_pml
from llm.promptcache.pml import (
    Import,
    Module,
    Param,
    Role,
    Text,
    Union,
    parse_prompt,
    parse_schema,
    read_pml,
)

PAPER = """<schema name="cities">
  <module name="city-info">Cities differ.</module>
  <module name="trip-plan">Plan a trip of <param name="duration" len=2/> days.</module>
  <union>
    <module name="tokyo">Tokyo.</module>
    <module name="miami">Miami.</module>
  </union>
</schema>"""

ARTIFACT = """<schema name="default">
  <system>Be brief.</system>
  <module name="preface">
    Intro
    <module name="nested">Nested text.</module>
    <parameter name="test" length="5" scaffold="a test"/>
  </module>
  <union scaffold="fast">
    <module name="slow">Move slowly.</module>
    <module name="fast">Move fast.</module>
  </union>
</schema>"""


def test_paper_syntax_with_bare_length() -> None:
    s = parse_schema(PAPER)
    assert s.name == "cities"
    plan = s.children[1]
    assert isinstance(plan, Module) and plan.name == "trip-plan"
    assert plan.children == [Text("Plan a trip of ", 3), Param("duration", 2, None, 3),
                             Text(" days.", 3)]
    union = s.children[2]
    assert isinstance(union, Union) and [m.name for m in union.members] == ["tokyo", "miami"]


def test_artifact_syntax_nested_scaffold_roles() -> None:
    s = parse_schema(ARTIFACT)
    assert isinstance(s.children[0], Role) and s.children[0].role == "system"
    preface = s.children[1]
    assert isinstance(preface, Module)
    assert [type(c).__name__ for c in preface.children] == ["Text", "Module", "Param"]
    assert preface.children[2] == Param("test", 5, "a test", 6)
    assert isinstance(s.children[2], Union) and s.children[2].default == "fast"


def test_prompt_imports_with_arguments_nested_and_roles() -> None:
    p = parse_prompt('<prompt schema="default"><preface test="x"><nested/></preface>'
                     "<fast/><user>Next move?</user><assistant/></prompt>")
    assert p.schema == "default"
    assert p.children[0] == Import("preface", {"test": "x"}, [Import("nested", {}, [], 1)], 1)
    assert isinstance(p.children[2], Role) and p.children[2].role == "user"
    assert isinstance(p.children[3], Role) and p.children[3].children == []


@pytest.mark.parametrize("text, message", [
    ('<schema name="s">\n<module name="a">x</module>\n<module name="a">y</module></schema>',
     r"<schema>:3: module 'a' is defined twice.*first at line 2"),
    ('<schema name="s">\n\n<param name="p" len="2"/></schema>', r":3: <param> outside any module"),
    ('<schema name="s"><module name="m"><param name="p"/></module></schema>', "needs len=N"),
    ('<schema name="s"><module name="m"><param name="p" len="0"/></module></schema>',
     "needs len=N"),
    ('<schema name="s"><module name="1bad">x</module></schema>', "not a valid name"),
    ('<schema name="s"><module name="user">x</module></schema>', "is reserved"),
    ('<schema name="s"><module>x</module></schema>', "needs a name"),
    ('<schema name="s"><frame/></schema>', "unknown element <frame>"),
    ('<schema name="s"><union>text</union></schema>', "text directly inside <union>"),
    ('<schema name="s"><union scaffold="z"><module name="a"/></union></schema>',
     "scaffold 'z' is not one of its members"),
    ('<schema name="s">\n<module name="a">x < y</module></schema>', r":2: malformed PML.*escape"),
    ('<schema name="s"><module name="a" cache="false">x</module></schema>',
     "unknown attribute 'cache'"),
    ('<prompt schema="s"/>', "expected <schema>"),
])
def test_schema_errors_name_file_line_and_problem(text: str, message: str) -> None:
    with pytest.raises(PMLError, match=message):
        parse_schema(text)


@pytest.mark.parametrize("text, message", [
    ('<prompt><a/></prompt>', "needs a schema attribute"),
    ('<prompt schema="s"><a>loose text</a></prompt>', "text inside a module import"),
    ('<prompt schema="s"><user><a/></user></prompt>', "<a> inside <user>"),
    ('<prompt schema="s"><union/></prompt>', "cannot appear in a prompt"),
])
def test_prompt_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(PMLError, match=message):
        parse_prompt(text)


def test_file_errors_carry_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pml"
    bad.write_text('<schema name="s">\n<module name="a">\n</schema>')
    with pytest.raises(PMLError, match=r"bad\.pml:3: malformed PML"):
        read_pml(bad)
    src = tmp_path / "doc.txt"
    src.write_text("From a file <with> brackets.")
    ok = tmp_path / "ok.pml"
    ok.write_text('<schema name="s"><module name="doc" src="doc.txt"/></schema>')
    schema = read_pml(ok)
    assert schema.children[0].children == [Text("From a file <with> brackets.", 1)]  # type: ignore[union-attr]
    with pytest.raises(PMLError, match="cannot read"):
        read_pml(tmp_path / "missing.pml")


def test_builder_matches_parser_and_escapes_text() -> None:
    b = SchemaBuilder("cities")
    b.text("Cities & towns.")
    with b.module("trip-plan"):
        b.text("Plan a trip of ").param("duration", 2).text(" days.")
    with b.union():
        with b.module("tokyo"):
            b.text("Tokyo <3.")
        with b.module("miami"):
            b.text("Miami.")
    built = b.build()
    assert isinstance(built.children[2], Union)
    assert built.children[0] == Text("Cities & towns.", 1)
    again = parse_schema(schema_to_pml(built))
    assert schema_to_pml(again) == schema_to_pml(built)
    p = PromptBuilder("cities").use("trip-plan", duration="3").use("miami").user("Surf?").build()
    assert [type(c).__name__ for c in p.children] == ["Import", "Import", "Role"]
    with pytest.raises(PMLError, match="defined twice"):
        b2 = SchemaBuilder("x")
        with b2.module("a"):
            b2.text("1")
        with b2.module("a"):
            b2.text("2")
        b2.build()


def test_prompt_program_compiles_a_function_body() -> None:
    from llm.promptcache.program import prompt_program

    @prompt_program(lengths={"days": 4}, system="You plan trips.")
    def trips(days: str, family: bool, city: str) -> None:
        "Help plan a holiday."
        if family:
            f"Plan a trip of {days} for a family."
        match city:
            case "tokyo":
                "Tokyo has temples."
            case "miami":
                "Miami has beaches."

    roles = trips.schema.children
    assert [type(r).__name__ for r in roles] == ["Role", "Role"]
    body = roles[1].children
    assert body[0] == Text("Help plan a holiday.", 1)
    family = body[1]
    assert isinstance(family, Module) and family.name == "family"
    assert Param("days", 4, None, 1) in family.children
    assert isinstance(body[2], Union) and [m.name for m in body[2].members] == ["tokyo", "miami"]
    p = trips.prompt(days="3 days", family=True, city="miami").user("Surf?").build()
    assert p.children[:2] == [Import("family", {"days": "3 days"}, [], 1),
                              Import("miami", {}, [], 1)]
    assert [c.name for c in trips.prompt(family=False, city="tokyo").build().children] == [
        "tokyo"]
    with pytest.raises(PMLError, match="needs an argument 'city'"):
        trips.prompt(family=False)


def test_prompt_program_errors() -> None:
    from llm.promptcache.program import prompt_program
    with pytest.raises(PMLError, match="has no length"):
        @prompt_program()
        def bad(x: str, flag: bool) -> None:
            if flag:
                f"{x}"
    with pytest.raises(PMLError, match="cannot contain"):
        @prompt_program()
        def loop() -> None:
            for _ in range(2):
                "no"
