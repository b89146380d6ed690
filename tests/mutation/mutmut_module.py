"""Run mutmut on one rule module against only the tests that reach it, in a copy.

    .venv/bin/python -m tests.mutation.mutmut_module grid
    .venv/bin/python -m tests.mutation.mutmut_module beds tests/help_requests/test_transport_beds.py
    .venv/bin/python -m tests.mutation.mutmut_module grid --timeout-multiplier 30 --only NAME…

The module is a key of `[modules]` in hand_mutants.toml; its tests are that file's `[tests]`
unless test files are given. jitasa/, tests/ and pyproject.toml are copied to
<temporary directory>/jitasa-mutmut-<key>, whose `[tool.mutmut]` mutates that module only and
runs those tests only, so mutmut's first run of the whole selection takes seconds, not an hour.
The working tree is never changed. `--only NAME…` reruns some mutants of an earlier run in the
same copy (such as its timeouts, with a larger multiplier). The copy stays, for `mutmut
results` and `mutmut show NAME` run in it; docs/testing.md has the scores.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from tests.mutation.mutants_of_tables import REPO, TABLE


def _toml_list(values: list[str]) -> str:
    return "[\n" + "".join(f'    "{value}",\n' for value in values) + "]"


def narrowed(pyproject: str, module: str, tests: list[str], multiplier: float) -> str:
    """Return pyproject.toml text whose mutmut section mutates `module` against `tests` only."""
    for key, value in (
        ("only_mutate", _toml_list([module])),
        ("pytest_add_cli_args_test_selection", _toml_list(tests)),
    ):
        pyproject, found = re.subn(rf"(?ms)^{key} = \[.*?^\]", f"{key} = {value}", pyproject)
        if found != 1:
            raise SystemExit(f"pyproject.toml: no single {key} list in [tool.mutmut]")
    return re.sub(r"(?m)^timeout_multiplier = .*$", f"timeout_multiplier = {multiplier}", pyproject)


def main(argv: list[str]) -> int:
    """Make the narrowed copy and run mutmut in it; return mutmut's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="a key of [modules] in hand_mutants.toml, such as grid")
    parser.add_argument("tests", nargs="*", help="test files (default: its [tests])")
    parser.add_argument("--timeout-multiplier", type=float, default=10.0)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=[], help="mutant names to rerun")
    args = parser.parse_args(argv)
    table = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    if args.module not in table["modules"]:
        raise SystemExit(f"no module {args.module!r}; choose from {sorted(table['modules'])}")
    tests = args.tests or table["tests"][args.module]
    missing = [test for test in tests if not (REPO / test).exists()]
    if missing:
        raise SystemExit(f"no such test file: {', '.join(missing)}")
    copy = Path(tempfile.gettempdir()) / f"jitasa-mutmut-{args.module}"
    if not args.only:  # a fresh run; a rerun of some mutants keeps the earlier results
        shutil.rmtree(copy, ignore_errors=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in ("jitasa", "tests"):
            shutil.copytree(REPO / name, copy / name, ignore=ignore)
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    module = table["modules"][args.module]
    text = narrowed(pyproject, module, tests, args.timeout_multiplier)
    (copy / "pyproject.toml").write_text(text, encoding="utf-8")
    print(f"mutmut on {module} against {' '.join(tests)} in {copy}", flush=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    command = [str(mutmut), "run", "--max-children", str(args.max_children), *args.only]
    return subprocess.run(command, cwd=copy, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
