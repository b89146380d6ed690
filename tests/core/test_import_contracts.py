"""The import contracts of .importlinter hold, and cover every domain that has tables."""

import configparser
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> configparser.ConfigParser:
    """Read the contracts file."""
    parser = configparser.ConfigParser()
    parser.read(REPO / ".importlinter")
    return parser


def test_imports_keep_every_contract():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--config", str(REPO / ".importlinter")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_domain_with_tables_is_forbidden_the_others_tables():
    domains = sorted(p.parent.name for p in (REPO / "jitasa").glob("*/models.py"))
    parser = contracts()
    for domain in domains:
        section = f"importlinter:contract:{domain}-models"
        assert parser.has_section(section), f"{domain} has no contract against others' tables"
        forbidden = parser[section]["forbidden_modules"].split()
        assert forbidden == [f"jitasa.{d}.models" for d in domains if d != domain]


def test_the_kernel_may_import_no_domain():
    parser = contracts()
    forbidden = set(parser["importlinter:contract:kernel"]["forbidden_modules"].split())
    packages = {
        f"jitasa.{p.name}"
        for p in (REPO / "jitasa").iterdir()
        if (p / "__init__.py").exists() and p.name not in {"core", "migrations"}
    }
    assert packages <= forbidden, packages - forbidden
