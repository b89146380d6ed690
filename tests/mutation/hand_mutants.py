"""Hand-made mutants of the module-level tables and constants that mutmut leaves alone.

    .venv/bin/python -m tests.mutation.hand_mutants              # every mutant
    .venv/bin/python -m tests.mutation.hand_mutants geo grid     # those of some modules

Each mutant changes one table, constant or pattern of a module that holds rules; the tests
named with it must then fail. The run copies jitasa/, tests/ and pyproject.toml into a
temporary directory, first runs every named test there unchanged (they must pass), then applies
one mutant at a time and runs its tests; the working tree is never changed. It prints each
mutant as killed or SURVIVED, the score per module, and exits 1 when one survived.
docs/testing.md has the figures and the equivalent mutants left out of this list.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.mutation.mutants_of_tables import MUTANTS, Mutant

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    """What one mutant's tests did."""

    mutant: Mutant
    killed: bool


def pytest(workdir: Path, tests: list[str]) -> bool:
    """Run the tests in the copy, stopping at the first failure; tell whether all passed."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-m", "not browser", *tests]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    return done.returncode == 0


def apply(workdir: Path, mutant: Mutant) -> None:
    """Change the copied module as the mutant says; the original text must occur exactly once."""
    path = workdir / mutant.module
    source = path.read_text(encoding="utf-8")
    found = len(re.findall(re.escape(mutant.original), source))
    if found != 1:
        raise SystemExit(f"{mutant.module}: {mutant.original!r} occurs {found} times, not once")
    path.write_text(source.replace(mutant.original, mutant.mutated), encoding="utf-8")


def copy_of_repository(into: Path) -> Path:
    """Copy what the tests need into a fresh directory (the copy's jitasa is imported first)."""
    workdir = into / "repository"
    workdir.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("jitasa", "tests"):
        shutil.copytree(REPO / name, workdir / name, ignore=ignore)
    shutil.copy2(REPO / "pyproject.toml", workdir / "pyproject.toml")
    return workdir


def run(mutants: list[Mutant]) -> list[Outcome]:
    """Check every mutant in a copy of the repository, restoring its module after each."""
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="jitasa-hand-mutants-") as temporary:
        workdir = copy_of_repository(Path(temporary))
        tests = sorted({test for mutant in mutants for test in mutant.tests})
        if not pytest(workdir, tests):
            raise SystemExit(f"the tests fail without any mutant: pytest {' '.join(tests)}")
        for mutant in mutants:
            module = workdir / mutant.module
            original = module.read_text(encoding="utf-8")
            apply(workdir, mutant)
            try:
                killed = not pytest(workdir, list(mutant.tests))
            finally:
                module.write_text(original, encoding="utf-8")
            outcomes.append(Outcome(mutant, killed))
            verdict = "killed  " if killed else "SURVIVED"
            print(f"{verdict} {mutant.module}: {mutant.why}", flush=True)
    return outcomes


def main(names: list[str]) -> int:
    """Run the mutants of the modules named (all when none is), print the scores."""
    chosen = [m for m in MUTANTS if not names or any(n in m.module for n in names)]
    if not chosen:
        raise SystemExit(f"no mutant of a module matching {names}")
    outcomes = run(chosen)
    print()
    for module in sorted({o.mutant.module for o in outcomes}):
        of_module = [o for o in outcomes if o.mutant.module == module]
        killed = sum(o.killed for o in of_module)
        print(f"{module}: {killed} / {len(of_module)} killed")
    return 0 if all(o.killed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
