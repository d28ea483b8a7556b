"""The two channels sit side by side on shared plumbing (checkin.appctx): the LINE channel
(checkin.bot) never imports the web pages (checkin.web) (#17)."""

from __future__ import annotations

import ast
from pathlib import Path

import checkin

PACKAGE = Path(checkin.__file__).resolve().parent


def imported_modules(path: Path, module: str) -> set[str]:
    """Every module a file imports, with relative imports resolved; at any depth (imports
    inside functions count too)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_the_line_channel_never_imports_the_web_pages() -> None:
    offenders = {}
    files = sorted((PACKAGE / "bot").rglob("*.py"))
    assert len(files) > 5
    for path in files:
        web = {
            m
            for m in imported_modules(path, module_name(path))
            if m == "checkin.web" or m.startswith("checkin.web.")
        }
        if web:
            offenders[str(path.relative_to(PACKAGE))] = sorted(web)
    assert offenders == {}


def test_the_walk_sees_relative_and_nested_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from ..web import get_db\n", encoding="utf-8")
    assert "checkin.web.get_db" in imported_modules(sample, "checkin.bot.sample")


def test_the_plumbing_is_still_importable_from_checkin_web() -> None:
    from checkin import appctx, web

    for name in ("get_db", "now", "csrf", "public_url"):
        assert getattr(web, name) is getattr(appctx, name)
