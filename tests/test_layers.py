"""The layers stay in order (README "Architecture"): nothing low imports something high.

- kaidan.values (value types, Japanese value forms) imports nothing else of Kaidan and not Django;
- kaidan.store's library (not its management commands) uses catalog only for its models, and never ingest;
- nothing outside kaidan.ingest imports the importer for value handling (infer, normalize, wareki live in
  kaidan.values now); only adapters and the demo import kaidan.ingest.services to run imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "kaidan"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:  # relative: resolve against the package
                package = path.relative_to(ROOT.parent).with_suffix("").parts[: -node.level]
                found.add(".".join([*package, node.module]))
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def modules(package: str, *, skip: tuple[str, ...] = ()) -> list[Path]:
    return [
        p
        for p in (ROOT / package).rglob("*.py")
        if not any(part in skip for part in p.relative_to(ROOT).parts)
    ]


def test_values_is_the_ground_floor():
    for path in modules("values"):
        bad = {
            m
            for m in imports_of(path)
            if m.startswith(("django", "kaidan.")) and not m.startswith("kaidan.values")
        }
        assert not bad, f"{path.name} imports {bad}"


def test_the_store_uses_the_catalog_only_for_its_models_and_never_the_importer():
    for path in modules("store", skip=("management", "migrations")):
        for module in imports_of(path):
            assert not module.startswith("kaidan.ingest"), f"{path.name} imports {module}"
            if module.startswith("kaidan.catalog"):
                assert module == "kaidan.catalog.models", f"{path.name} imports {module}"


def test_nothing_imports_the_importer_for_value_handling():
    for path in ROOT.rglob("*.py"):
        if path.is_relative_to(ROOT / "ingest"):
            continue
        for module in imports_of(path):
            assert module not in {"kaidan.ingest.infer", "kaidan.ingest.normalize", "kaidan.ingest.wareki"}, (
                f"{path.relative_to(ROOT)} imports {module}: use kaidan.values"
            )


def test_the_actor_is_passed_keyword_only():
    """Every service, selector and helper that acts for someone takes `actor` keyword-only (`f(x, *, actor)`),
    so a call can never pass a user where a dataset or an organization was meant, or the other way round."""
    positional = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "actor" in names:
                    positional.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not positional, "\n".join(positional)
