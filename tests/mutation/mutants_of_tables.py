"""The hand-made mutants: those of hand_mutants.toml, and one per row of the two rule tables.

mutmut mutates only what runs inside functions; these are the module-level values the rules
read. Equivalent changes are listed in docs/testing.md instead, with the reason.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TABLE = Path(__file__).with_name("hand_mutants.toml")


@dataclass(frozen=True)
class Mutant:
    """Replace `original` (found exactly once) in `module` by `mutated`; `tests` must fail."""

    module: str
    original: str
    mutated: str
    why: str
    tests: tuple[str, ...]


# Each kind of permission-table row, and the wrong rows it is turned into.
WRONG_RULES = {
    "Rule(roles=None)": ["Rule(STAFF)"],
    "Rule(STAFF, area_scoped=True)": ["Rule(STAFF)", "Rule(roles=None, area_scoped=True)"],
    "Rule(frozenset({Role.ADMIN}))": ["Rule(STAFF)"],
    "Rule(frozenset({Role.VOLUNTEER, Role.COORDINATOR}))": [
        "Rule(frozenset({Role.VOLUNTEER}))",
        "Rule(roles=None)",
    ],
}


def _rule_rows(module: str, tests: tuple[str, ...]) -> list[Mutant]:
    """Give every row of the permission table a wrong role set, and scoped rows no scope."""
    source = (REPO / module).read_text(encoding="utf-8")
    return [
        Mutant(module, f"{action}: {rule},", f"{action}: {wrong},", f"{action}: {wrong}", tests)
        for action, rule in re.findall(r"^    (Action\.\w+): (Rule\(.*\)),$", source, re.MULTILINE)
        for wrong in WRONG_RULES[rule]
    ]


# Claims and assignments are decided by the policy (CLAIM_REQUEST, ASSIGN_REQUEST), never by
# this row's actors: emptying them is equivalent (docs/testing.md).
UNREAD_ROWS = {"(Status.OPEN, Status.CLAIMED)"}


def _moves(module: str, tests: tuple[str, ...]) -> list[Mutant]:
    """Take every move of the state machine away from everyone who may make it."""
    source = (REPO / module).read_text(encoding="utf-8")
    moves = re.findall(r"^    (\(Status\.\w+, Status\.\w+\)): frozenset\(", source, re.MULTILINE)
    return [
        Mutant(module, f"{move}: frozenset(", f"{move}: frozenset() & frozenset(", move, tests)
        for move in moves
        if move not in UNREAD_ROWS
    ]


def load() -> list[Mutant]:
    """Return every hand-made mutant, module by module."""
    table = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    mutants = []
    for name, module in table["modules"].items():
        tests = tuple(table["tests"][name])
        mutants += [
            Mutant(module, entry["original"], entry["mutated"], entry["why"], tests)
            for entry in table.get(name, [])
        ]
        if name == "policy":
            mutants += _rule_rows(module, tests)
        if name == "states":
            mutants += _moves(module, tests)
    return mutants


MUTANTS = load()
