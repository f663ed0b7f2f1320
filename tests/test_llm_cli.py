"""`blindfold llm prompt|serve|info` and `blindfold bench promptcache` on the real model."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner

from cli.llm_cmd import _make_cache, _serve_stream
from cli.main import main
from tests.llm_support import engine  # noqa: F401  (session fixture)

SCHEMA = """<schema name="pets">
  <system>Answer in one short sentence.</system>
  <user>
    <module name="cat">Cats sleep up to sixteen hours a day.</module>
    <module name="dog">Dogs need a walk every day.</module>
  </user>
</schema>"""
PROMPT = '<prompt schema="pets"><dog/><user>What do dogs need?</user></prompt>'


def test_prompt_command_streams_an_answer_and_reuses_a_file_store(engine, tmp_path: Path  # noqa: F811
                                                                   ) -> None:
    schema = tmp_path / "pets.pml"
    schema.write_text(SCHEMA)
    store = tmp_path / "store"
    args = ["llm", "prompt", str(schema), PROMPT, "--store", str(store), "--max-tokens", "8",
            "--json"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    one = json.loads(first.stdout)
    assert one["cached_tokens"] > 0 and one["new_tokens"] > 0 and one["text"]
    assert one["statistics"]["encoded_tokens"] > 0
    again = json.loads(CliRunner().invoke(main, args).stdout)
    assert again["statistics"]["encoded_tokens"] == 0          # all modules came from files
    assert again["tokens"] == one["tokens"]


def test_prompt_command_reports_user_mistakes_in_one_line(engine, tmp_path: Path  # noqa: F811
                                                         ) -> None:
    bad = CliRunner().invoke(main, ["llm", "prompt", SCHEMA,
                                    '<prompt schema="pets"><cow/></prompt>'])
    assert bad.exit_code == 3
    assert bad.stderr.strip().splitlines() == [
        "blindfold: error: <prompt>:1: unknown module 'cow' in schema 'pets'; "
        "modules here: cat, dog"]
    missing = CliRunner().invoke(main, ["llm", "prompt", str(tmp_path / "none.pml"), PROMPT])
    assert missing.exit_code == 2 and "cannot read schema file" in missing.stderr


def test_serve_protocol_keeps_the_cache_warm(engine) -> None:  # noqa: F811
    pc = _make_cache(None, "paper", "paper", None)
    requests = [json.dumps({"schema": SCHEMA}),
                json.dumps({"prompt": PROMPT, "max_tokens": 4}),
                json.dumps({"prompt": PROMPT, "max_tokens": 4}),
                "not json",
                json.dumps({"prompt": '<prompt schema="pets"><cow/></prompt>'}),
                json.dumps({"stats": True})]
    out = io.StringIO()
    _serve_stream(pc, io.StringIO("\n".join(requests) + "\n"), out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answers[0] == {"schema": "pets", "modules": 2, "tokens": answers[0]["tokens"]}
    assert answers[1]["tokens"] == answers[2]["tokens"]
    assert answers[3]["error"].startswith("bad request")
    assert "unknown module 'cow'" in answers[4]["error"]
    stats = answers[5]
    assert stats["store"]["hits"] == 4 and stats["store"]["misses"] == 0  # root + dog, twice


def test_bench_promptcache_quick_json(engine) -> None:  # noqa: F811
    result = CliRunner().invoke(main, ["bench", "promptcache", "--quick", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (row,) = data["ttft"]
    assert set(row["tiers"]) == {"memory", "file"}
    assert row["cached_tokens"] > 100 and row["full_s"] > 0
    assert all(t["first_token_agrees"] for t in row["tiers"].values())
    modes = {(r["semantics"], r["placement"]) for r in data["accuracy"]}
    assert modes == {("paper", "paper"), ("artifact", "artifact")}
    assert data["memory"]["paper_formula_fp16"] == 2 * 30 * 576 * 2
    assert data["memory"]["stored_fp32_gqa"] == 2 * 30 * 3 * 64 * 4
    text = CliRunner().invoke(main, ["bench", "promptcache", "--sizes", "x"])
    assert text.exit_code == 2 and "--sizes 'x'" in text.stderr
