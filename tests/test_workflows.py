"""Every GitHub workflow, the template's own and each baked one, is valid and safe:
`check-jsonschema --builtin-schema vendor.github-workflows` (the schema ships with the
tool: offline) and `zizmor --offline` with no findings; the baked Dependabot config too."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COMBINATIONS, TEMPLATE, bake_ok

TOOLS = Path(sys.executable).parent  # the template's virtual environment (dev group)
# One bake per database, sign-in and shared-cache answer (the workflow and Dependabot
# differ by those).
BAKED_WITH_ACTIONS = list(
    {
        (a["database"], a["auth"], a["shared_cache"]): a
        for a in COMBINATIONS
        if a["include_github_actions"]
    }.values()
)


def tool(*command: str) -> str:
    done = subprocess.run(
        [str(TOOLS / command[0]), *command[1:]], capture_output=True, text=True, timeout=300
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def check(workflows: list[Path], dependabot: list[Path]) -> None:
    assert workflows
    tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, workflows))
    if dependabot:
        tool("check-jsonschema", "--builtin-schema", "vendor.dependabot", *map(str, dependabot))
    said = tool("zizmor", "--offline", *map(str, workflows + dependabot))
    assert "No findings" in said, said


def test_the_templates_own_workflow():
    check(sorted((TEMPLATE / ".github/workflows").glob("*.yml")), [])


@pytest.mark.parametrize(
    "answers",
    BAKED_WITH_ACTIONS,
    ids=lambda a: f"{a['database']}-{a['auth']}-{a['shared_cache']}",
)
def test_each_baked_workflow(cookies, answers):
    project = bake_ok(cookies, **answers).project_path
    check(
        sorted((project / ".github/workflows").glob("*.yml")),
        [project / ".github/dependabot.yml"],
    )
