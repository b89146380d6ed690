"""The mutation runs stay in step with the code: every mutant applies, every path exists.

The runs themselves take minutes (docs/testing.md); this file only checks, in a moment, that a
change to a rule module or a test file has not left them pointing at text or files that are
gone, which would make a run report nothing, or fail, instead of scoring the tests.
"""

import tomllib
from pathlib import Path

import pytest

from tests.mutation.mutants_of_tables import MUTANTS, REPO, TABLE
from tests.mutation.mutmut_module import narrowed

MUTMUT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
HAND = tomllib.loads(TABLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{Path(m.module).stem}: {m.why}")
def test_every_hand_made_mutant_applies_once_and_changes_something(mutant):
    source = (REPO / mutant.module).read_text(encoding="utf-8")
    assert source.count(mutant.original) == 1, "update tests/mutation/hand_mutants.toml"
    assert mutant.mutated != mutant.original
    assert all((REPO / test).is_file() for test in mutant.tests)


def test_both_runs_mutate_the_same_rule_modules_with_tests_that_exist():
    assert set(MUTMUT["only_mutate"]) == set(HAND["modules"].values())
    assert all((REPO / module).is_file() for module in MUTMUT["only_mutate"])
    assert all((REPO / path).exists() for path in MUTMUT["pytest_add_cli_args_test_selection"])
    hand_tests = {test for tests in HAND["tests"].values() for test in tests}
    assert hand_tests <= set(MUTMUT["pytest_add_cli_args_test_selection"])


def test_every_module_has_hand_made_mutants():
    assert {m.module for m in MUTANTS} == set(HAND["modules"].values())


def test_a_one_module_run_mutates_that_module_against_its_tests_only():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    tests = HAND["tests"]["grid"]
    config = tomllib.loads(narrowed(text, HAND["modules"]["grid"], tests, 30.0))["tool"]["mutmut"]
    assert config["only_mutate"] == ["jitasa/clusters/grid.py"]
    assert config["pytest_add_cli_args_test_selection"] == tests
    assert config["timeout_multiplier"] == 30.0
    assert {k: v for k, v in config.items() if k not in NARROWED} == {
        k: v for k, v in MUTMUT.items() if k not in NARROWED
    }


NARROWED = {"only_mutate", "pytest_add_cli_args_test_selection", "timeout_multiplier"}
