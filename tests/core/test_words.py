"""The domain's words (urgency, triage colours, statuses, area levels) are defined once."""

import ast
from pathlib import Path

import jitasa
from jitasa.core.words import CODE_LENGTHS, URGENCIES, AreaLevel, Urgency
from jitasa.help_requests.states import Status

PACKAGE = Path(jitasa.__file__).parent
# Where each vocabulary is defined; every other module imports it from there.
DEFINITIONS = {PACKAGE / "core" / "words.py", PACKAGE / "help_requests" / "states.py"}
VOCABULARIES = {
    "urgency": {u.value for u in Urgency},
    "status": {s.value for s in Status},
    "area level": {level.value for level in AreaLevel},
}


def retyped_lists(tree: ast.AST) -> list[tuple[int, str]]:
    """Return (line, vocabulary) of literal collections spelling out a vocabulary's words."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [key for key in node.keys if key is not None]
            lengths = {k.value for k in items if isinstance(k, ast.Constant)}
            if len(lengths & set(CODE_LENGTHS)) >= 2 and lengths <= set(CODE_LENGTHS):
                found.append((node.lineno, "area-code lengths"))
        else:
            continue
        words = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
        if len(words) < 2 or len(words) != len(items):
            continue
        found += [
            (node.lineno, name)
            for name, vocabulary in VOCABULARIES.items()
            if set(words) <= vocabulary
        ]
    return found


def test_no_module_spells_out_a_list_of_domain_words_again():
    offences = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: a list of {name} words"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in DEFINITIONS and "migrations" not in path.parts
        for line, name in retyped_lists(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offences == [], "import them from jitasa.core.words or the domain's states.py"


def test_the_scan_catches_a_retyped_list():
    code = 'COLOURS = ("red", "yellow", "green")\nLEVELS = {2: "p", 4: "d"}\nX = ["open", "closed"]'
    assert sorted(name for _line, name in retyped_lists(ast.parse(code))) == [
        "area-code lengths",
        "status",
        "urgency",
    ]


def test_triage_colours_come_first_and_every_urgency_is_listed_once():
    assert URGENCIES[:3] == (Urgency.RED, Urgency.YELLOW, Urgency.GREEN)
    assert sorted(URGENCIES) == sorted(Urgency)
