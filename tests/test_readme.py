"""The README's promises: its options table is generated from cookiecutter.json and
__prompts__ (this test fails when they drift), and its commands are the ones CI runs."""

import re

from conftest import DEFAULTS, TEMPLATE
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

README = (TEMPLATE / "README.md").read_text(encoding="utf-8")


def options_table() -> str:
    """The Markdown table of every visible question, its choices or default, and its prompt."""
    prompts = DEFAULTS["__prompts__"]
    context = generate_context(context_file=str(TEMPLATE / "cookiecutter.json"))
    rendered = prompt_for_config(context, no_input=True)
    rows = ["| option | default | choices | question |", "|---|---|---|---|"]
    for key, default in DEFAULTS.items():
        if key.startswith("_"):
            continue
        prompt = prompts[key]
        if isinstance(default, list):
            question = prompt["__prompt__"]
            choices = "<br>".join(f"`{choice}`: {prompt[choice]}" for choice in default)
            default = default[0]
        else:
            question, choices = prompt, ""
        if isinstance(default, bool):
            default = "yes" if default else "no"
        derived = isinstance(default, str) and ("{{" in default or "{%" in default)
        default = f"`{rendered[key]}` (derived)" if derived else f"`{default}`"
        rows.append(f"| `{key}` | {default} | {choices} | {question} |")
    return "\n".join(rows)


def test_every_visible_question_has_a_prompt():
    visible = [key for key in DEFAULTS if not key.startswith("_")]
    assert sorted(visible) == sorted(DEFAULTS["__prompts__"])
    for key, default in DEFAULTS.items():
        if isinstance(default, list):
            assert set(default) <= set(DEFAULTS["__prompts__"][key]), key


def test_options_table_matches_cookiecutter_json():
    match = re.search(r"<!-- options:start -->\n(.*?)\n<!-- options:end -->", README, re.S)
    assert match, "README.md lost its options markers"
    assert match.group(1) == options_table(), (
        "README options table drifted; paste this between the markers:\n" + options_table()
    )


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    commands = re.findall(r"^\./scripts/\S+\.sh$", README, re.M)
    assert commands == ["./scripts/demo.sh", "./scripts/test.sh"]
    ci = (TEMPLATE / ".ci/run").read_text(encoding="utf-8")
    assert "exec ./scripts/test.sh" in ci
