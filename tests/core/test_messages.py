"""Every message the code raises or shows has its Thai translation in locales/th.po."""

import ast
import re
from pathlib import Path

from jitasa.core.i18n import _catalogue

PACKAGE = Path(__file__).resolve().parents[2] / "jitasa"
# Calls whose first string arguments are English message ids shown to people.
MESSAGE_CALLS = {
    "invalid_field",
    "Invalid",
    "Refusal",
    "NotFound",
    "Conflict",
    "Forbidden",
    "Unauthorized",
    "TooManyRequests",
    "Busy",
    "NotReady",
    "DomainError",
    "thai",
    "translate",
    "_",
}


def message_ids() -> set[tuple[str, int, str]]:
    """Return (file, line, message) for every literal message passed to a message call."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in MESSAGE_CALLS:
                continue
            for argument in node.args:
                # A code such as "areas.not_found" has no space; a message always has one.
                if isinstance(argument, ast.Constant) and " " in str(argument.value):
                    found.add((str(path.relative_to(PACKAGE)), node.lineno, argument.value))
    return found


def test_the_scan_finds_the_messages_it_is_meant_to():
    messages = {message for _, _, message in message_ids()}
    assert "{field} must name at least one layer." in messages
    assert len(messages) > 50


def test_every_message_in_the_code_has_a_thai_translation():
    thai = _catalogue("th")
    untranslated = sorted(m for m in message_ids() if m[2] not in thai)
    assert untranslated == []


TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def test_every_message_in_the_templates_has_a_thai_translation():
    thai = _catalogue("th")
    untranslated = []
    for path in sorted((PACKAGE / "web" / "templates").rglob("*.html")):
        for match in TEMPLATE_MESSAGE.finditer(path.read_text(encoding="utf-8")):
            message = match.group(1) if match.group(1) is not None else match.group(2)
            if message not in thai:
                untranslated.append((path.name, message))
    assert untranslated == []
