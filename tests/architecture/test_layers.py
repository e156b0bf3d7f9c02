"""A lower layer never imports a higher one (ARCHITECTURE.md, 'Layers')."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "twotier"

# Layer number per app; an app may import apps of its own or a lower layer only.
LAYERS = {
    "core": 0,
    "org": 1,
    "accounts": 2,
    "work": 3,
    "procedures": 3,
    "signing": 3,
    "dossiers": 4,
    "documents": 4,
    "archive": 4,
    "exchange": 4,
    "nationalportal": 5,
    "payments": 5,
    "kpi": 6,
    "reporting": 6,
    "portal": 6,
    "web": 7,
    "public": 7,
    "demo": 8,
}
# Shared, app-independent modules anybody may import.
SHARED = {"env", "settings", "testing", "api", "urls", "wsgi"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_app_imports_a_higher_layer():
    violations = []
    for app, level in LAYERS.items():
        app_dir = SRC / app
        if not app_dir.exists():
            continue
        for path in app_dir.rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] != "twotier" or len(parts) < 2 or parts[1] in SHARED:
                    continue
                target = parts[1]
                if target in LAYERS and LAYERS[target] > level:
                    violations.append(f"{path.relative_to(SRC)} imports {module}")
    assert violations == []


def test_every_app_directory_has_a_layer():
    apps = {p.parent.name for p in SRC.glob("*/apps.py")}
    assert apps <= set(LAYERS), apps - set(LAYERS)
