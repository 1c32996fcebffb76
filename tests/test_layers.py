"""Each framework stays in its layer: SQL in repo/, HTTP in http/, Dramatiq in actors/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[1] / "service"

# framework module -> the only package allowed to import it
ALLOWED = {
    "sqlalchemy": ("repo",),
    "alembic": ("repo",),
    "asyncpg": ("repo",),
    "litestar": ("http",),
    "dramatiq": ("actors",),
    "pika": ("actors",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _package(path: Path) -> str:
    relative = path.relative_to(SERVICE)
    return relative.parts[0] if len(relative.parts) > 1 else ""


@pytest.mark.parametrize(
    "path", sorted(SERVICE.rglob("*.py")), ids=lambda p: str(p.relative_to(SERVICE))
)
def test_frameworks_are_imported_only_in_their_layer(path: Path) -> None:
    package = _package(path)
    misplaced = {
        module for module in _imports(path) if module in ALLOWED and package not in ALLOWED[module]
    }
    assert not misplaced, f"{path.relative_to(SERVICE)} imports {sorted(misplaced)}"


def test_the_walk_sees_the_layers() -> None:
    # Guards the test above against passing because it found nothing to check.
    assert "sqlalchemy" in _imports(SERVICE / "repo" / "jobs.py")
    assert "litestar" in _imports(SERVICE / "http" / "app.py")
    assert "dramatiq" in _imports(SERVICE / "actors" / "broker.py")
