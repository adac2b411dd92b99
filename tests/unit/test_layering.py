"""Import rules: dependencies point one way, web/scripts → adapters → projections → domain."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = frozenset(sys.stdlib_module_names)


def imports(source: str, module: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in a module's source, relative ones resolved."""
    package = module.split(".")[:-1]  # a package's __init__ and its modules share the package
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name


def top(name: str) -> str:
    return name.split(".")[0]


def domain_rule(name: str) -> str | None:
    if top(name) in STDLIB or top(name) in {"domain", "eventsourcing"}:
        return None
    return "domain may import only the standard library, eventsourcing and domain"


def projections_rule(name: str) -> str | None:
    if top(name) in STDLIB or top(name) in {"domain", "projections", "eventsourcing", "sqlalchemy"}:
        return None
    return "projections may import only the standard library, domain, eventsourcing, sqlalchemy"


def adapters_rule(name: str) -> str | None:
    if top(name) in {"web", "scripts"}:
        return "adapters must never import web or scripts"
    return None


def web_rule(name: str) -> str | None:
    if top(name) == "scripts":
        return "web must never import scripts (entry points sit on top)"
    return None


RULES = {"domain": domain_rule, "projections": projections_rule,
         "adapters": adapters_rule, "web": web_rule}


def violations(layer: str, root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        relative = path.relative_to(root)
        module = ".".join(relative.with_suffix("").parts)
        try:
            source_imports = list(imports(path.read_text(encoding="utf-8"), module))
        except SyntaxError as error:
            found.append(f"{relative}:{error.lineno}: cannot be parsed ({error.msg})")
            continue
        for line, name in source_imports:
            reason = RULES[layer](name)
            if reason:
                found.append(f"{relative}:{line}: imports {name!r} — {reason}")
    return found


def python_files(layer: str) -> list[Path]:
    directory = ROOT / layer
    return sorted(directory.rglob("*.py")) if directory.is_dir() else []


def test_domain_layer_exists_so_its_rules_are_really_checked():
    assert len(python_files("domain")) >= 5


@pytest.mark.parametrize("layer", RULES)
def test_layer_imports_only_what_the_layering_allows(layer: str):
    if not python_files(layer):
        pytest.skip(f"{layer}/ has no Python files yet")
    found = violations(layer)
    assert not found, "Wrong import arrows:\n" + "\n".join(found)


@pytest.mark.parametrize(("layer", "source", "bad"), [
    ("domain", "from flask import Flask\n", "flask"),
    ("domain", "import sqlalchemy.orm\n", "sqlalchemy.orm"),
    ("domain", "from ..projections import views\n", "projections"),
    ("projections", "from web.app import create_app\n", "web.app"),
    ("projections", "import flask\n", "flask"),
    ("projections", "from adapters import bootstrap\n", "adapters"),
    ("adapters", "from web import errors\n", "web"),
    ("adapters", "from ..web.errors import to_reply\n", "web.errors"),
    ("web", "from scripts.serve import main\n", "scripts.serve"),
])
def test_a_wrong_import_arrow_is_caught_and_named(tmp_path: Path, layer, source, bad):
    (tmp_path / layer).mkdir()
    (tmp_path / layer / "bad.py").write_text("from __future__ import annotations\nimport json\n"
                                             + source)
    found = violations(layer, tmp_path)
    assert len(found) == 1
    assert found[0].startswith(f"{layer}/bad.py:3: imports {bad!r}")


def test_same_layer_relative_imports_are_allowed(tmp_path: Path):
    (tmp_path / "domain" / "sub").mkdir(parents=True)
    (tmp_path / "domain" / "sub" / "x.py").write_text(
        "from . import y\nfrom .. import errors\nfrom ..errors import NotFound\n")
    assert violations("domain", tmp_path) == []
