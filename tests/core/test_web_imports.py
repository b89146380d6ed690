"""The page modules import one way: pages → *_pages → views and rendering, never back."""

import ast
from pathlib import Path

import jitasa.web

WEB = Path(jitasa.web.__file__).parent


def web_imports(module: Path) -> set[str]:
    """Return the jitasa.web modules a module imports, anywhere in it (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "jitasa.web":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jitasa.web."):
            found.add(node.module.removeprefix("jitasa.web.").split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("jitasa.web.").split(".")[0]
                for a in node.names
                if a.name.startswith("jitasa.web.")
            }
    return found


def test_web_modules_import_each_other_without_a_circle():
    graph = {path.stem: web_imports(path) for path in WEB.glob("*.py")}
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, "import circle: " + " → ".join((*trail, name))
        if name in done:
            return
        for imported in graph.get(name, set()):
            visit(imported, (*trail, name))
        done.add(name)

    for name in graph:
        visit(name, ())
    assert "rendering" in graph["map_page"] and not graph["rendering"]
