"""The docs stay true: the settings table matches Settings, and CI runs the README's command."""

import re
import subprocess
import types
import typing
from pathlib import Path

import annotated_types
import pytest
from pydantic import SecretStr

from jitasa.areas.chosen import CHOSEN_AREA_REACH_KM
from jitasa.core.config import Settings

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = REPO / "docs" / "operations.md"
README = REPO / "README.md"
CI_RUN = REPO / ".ci" / "run"
TABLE_START = "<!-- settings:start -->"
TABLE_END = "<!-- settings:end -->"
BOUNDS = [
    (annotated_types.Ge, "ge", "≥"),
    (annotated_types.Gt, "gt", ">"),
    (annotated_types.Le, "le", "≤"),
    (annotated_types.Lt, "lt", "<"),
]
TYPE_NAMES = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "path",
    SecretStr: "secret text",
}


def _type_name(annotation: object) -> str:
    """Name a setting's type the way an operator reads it (optional ones say so by default)."""
    if typing.get_origin(annotation) is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " \\| ".join(_type_name(a) for a in kinds)
    return TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(metadata: list) -> str:
    """Describe a setting's limits, like ` (≥ 1, ≤ 90)`."""
    limits = [
        f"{sign} {getattr(item, attribute)}"
        for item in metadata
        for kind, attribute, sign in BOUNDS
        if isinstance(item, kind)
    ]
    return f" ({', '.join(limits)})" if limits else ""


def _default(value: object) -> str:
    """Show a default as it would be written in the environment."""
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "a development-only value"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def settings_table() -> str:
    """Return the Markdown table of every setting, from Settings.model_fields."""
    rows = [
        "| environment variable | type | default | description |",
        "|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        env = f"`JITASA_{name.upper()}`"
        kind = _type_name(field.annotation) + _bounds(field.metadata)
        if field.is_required():
            default = "required"
        elif field.default_factory is not None:
            default = _default(field.default_factory())
        else:
            default = _default(field.default)
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| {env} | {kind} | {default} | {description} |")
    return "\n".join(rows)


def test_every_setting_has_a_description():
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not missing, f"give these settings a Field(description=...): {missing}"


def test_operations_guide_lists_every_setting():
    text = OPERATIONS.read_text(encoding="utf-8")
    match = re.search(f"{re.escape(TABLE_START)}\n(.*?)\n{re.escape(TABLE_END)}", text, re.S)
    assert match, f"docs/operations.md needs the markers {TABLE_START} and {TABLE_END}"
    expected = settings_table()
    if match.group(1).strip() != expected:
        pytest.fail(
            "docs/operations.md's settings table is out of date; paste this between the markers:"
            f"\n\n{expected}\n",
            pytrace=False,
        )


def _quick_start_commands() -> list[str]:
    """Return the lines of the code blocks in README.md's "## Quick start" section."""
    section = re.search(r"^## Quick start\s*$(.*?)(?=^## |\Z)", README.read_text(), re.M | re.S)
    assert section, "README.md has no '## Quick start' section"
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", section.group(1), re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_quick_start_is_two_one_line_commands():
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    demo, tests = commands
    assert demo.startswith("python3 -m venv .venv && .venv/bin/pip install -e . && "), demo
    assert demo.endswith(".venv/bin/jitasa demo"), demo
    assert ".[test]" in tests and tests.endswith(".venv/bin/pytest -n auto --dist loadfile"), tests


def test_ci_runs_the_readme_test_command():
    assert CI_RUN.stat().st_mode & 0o111, ".ci/run must be executable"
    printed = subprocess.run(
        ["bash", str(CI_RUN), "--print-test-command"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert printed.splitlines() == [_quick_start_commands()[1]]


@pytest.mark.parametrize("document", ["README.md", "docs/README.md"])
def test_links_to_documents_point_at_files(document):
    path = REPO / document
    text = path.read_text(encoding="utf-8")
    # Images are left out: screenshots are produced by the browser tests' authors.
    targets = re.findall(r"(?<!!)\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert local, f"{document} links to no documents"
    missing = [t for t in local if not (path.parent / t).exists()]
    assert not missing, f"{document} links to missing files: {missing}"


def test_the_guides_state_how_far_a_chosen_area_may_be_from_the_pin():
    km = f"{CHOSEN_AREA_REACH_KM:g}"
    for name in ("requester", "volunteer", "coordinator", "imports"):
        guide = (REPO / "docs" / "guides" / f"{name}.md").read_text()
        thai, english = guide.split("\n## English", 1)
        assert f"{km} กม." in thai, f"{name}.md (ภาษาไทย) should say the {km} km reach"
        assert f"within {km} km" in english, f"{name}.md (English) should say the {km} km reach"
