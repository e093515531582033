"""The import rule between the platform and the areas (issue 9), checked on the source.

- The platform (`studio/platform/`, and the bare `studio` package) imports no area.
- An area (`studio/<name>/`, `moderation/`, `publishing/`) may import from another area only
  that package's public names (its `__init__.py`: `from studio.obs import start_owner`) and its
  `models` module (the schema is shared: foreign keys, relationships). Anything else it needs to
  know travels by a signal (`studio/platform/signals.py`) or by the event log.
- `studio/app.py` and `studio/model_registry.py` are the composition root: they list the areas
  and may import anything.

Every import counts, at module level or inside a function (a lazy import is still a coupling),
and `importlib.import_module("literal")` too. `from pkg import name` where `pkg.name` is a module
is an import of that module. A violation is reported as file:line with what it imports.
Fast: only the AST is read, nothing is imported but studio.app (for AREAS).
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("studio", "moderation", "publishing")
COMPOSITION_ROOT = {"studio.app", "studio.model_registry"}
PLATFORM = "platform"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


MODULES = {_module_name(p): p for p in _source_files()}


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def area_of(module: str) -> str | None:
    """The area a module belongs to: "platform", "studio.<name>", "moderation", "publishing",
    "root" for the composition root, None for anything outside the three packages."""
    if module in COMPOSITION_ROOT:
        return "root"
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] != "studio":
        return parts[0]
    if len(parts) == 1 or parts[1] == PLATFORM:
        return PLATFORM
    return f"studio.{parts[1]}"


def _resolve(module: str, level: int, target: str | None) -> str:
    """The absolute name of `from <level dots><target> import …` written in `module`."""
    if not level:
        return target or ""
    package = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = package[:len(package) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(module: str, path: Path):
    """(line, imported module) for every import in a module, functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node.level, node.module)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                # `from studio.obs import services` imports the module studio.obs.services.
                yield node.lineno, submodule if submodule in MODULES else source
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value


def allowed(importer: str, imported: str) -> bool:
    """Whether module `importer` may import module `imported` under the rule above."""
    mine, theirs = area_of(importer), area_of(imported)
    if theirs is None or mine == "root" or mine == theirs or theirs == PLATFORM:
        return True
    if mine == PLATFORM or theirs == "root":
        return False  # the platform knows no area; nothing but the root knows the list of areas
    package = theirs  # an area's importable name is its package's name
    return imported in (package, f"{package}.models")


def violations() -> list[str]:
    found = []
    for module, path in MODULES.items():
        for line, imported in imports_of(module, path):
            if not allowed(module, imported):
                found.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {imported}")
    return sorted(set(found))


def test_the_rule_itself():
    # The checker's own cases, so a bug in it cannot pass every module silently.
    assert allowed("studio.feed.pages", "studio.platform.auth")
    assert allowed("studio.feed.pages", "studio.feed.services")
    assert allowed("publishing.pipeline", "studio.feed.models")
    assert allowed("publishing.pipeline", "studio.interviews")
    assert allowed("studio.app", "moderation.services")
    assert allowed("moderation.services", "sqlalchemy")
    assert not allowed("publishing.pipeline", "moderation.services")
    assert not allowed("studio.platform.events", "studio.feed.models")
    assert not allowed("studio.platform.app", "studio.interviews")
    assert not allowed("studio.cues.services", "studio.app")
    assert _resolve("studio.feed.pages", 1, "routes") == "studio.feed.routes"
    assert _resolve("studio.feed", 1, "routes") == "studio.feed.routes"
    assert _resolve("studio.venues", 2, "obs.bootstrap") == "studio.obs.bootstrap"


def test_no_import_crosses_an_area_boundary():
    found = violations()
    assert not found, (f"{len(found)} import(s) break the layout rule (tests/test_layout.py's "
                       "docstring; docs/architecture.md):\n" + "\n".join(found))


def cross_area_names():
    """(where, package, name) for every `from <another area's package> import name`."""
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _resolve(module, node.level, node.module)
            if area_of(source) in (None, PLATFORM, "root", area_of(module)) or source != area_of(source):
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" not in MODULES:
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", source, alias.name


def module_level_imports(module: str, path: Path) -> set[str]:
    """Our modules a module imports when it is imported (top-level statements only)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node.level, node.module)
            found.update(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                         for alias in node.names)
    return {name for name in found if name in MODULES and name != module}


def test_no_modules_import_each_other_at_import_time():
    # A cycle (feed's routes and pages once imported each other) works only by import order.
    graph = {module: module_level_imports(module, path) for module, path in MODULES.items()}
    cycles, done = [], set()

    def visit(module, stack):
        for imported in sorted(graph[module]):
            if imported in stack:
                cycles.append(" -> ".join(stack[stack.index(imported):] + [imported]))
            elif imported not in done:
                visit(imported, stack + [imported])
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_every_public_name_imported_across_areas_exists():
    # Public names are often lazy (studio.platform.areas) and imported inside functions, so a
    # misspelt or removed one would only fail when that code runs: resolve each one here.
    missing = [f"{where}: {package} has no public {name!r}" for where, package, name in cross_area_names()
               if not hasattr(importlib.import_module(package), name)]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("area", importlib.import_module("studio.app").AREAS)
def test_every_area_attaches_through_init_app(area):
    module = importlib.import_module(area)
    assert callable(getattr(module, "init_app", None)), f"{area} has no init_app(app)"
    assert area_of(area) not in (None, PLATFORM, "root"), f"{area} is not an area package"


def test_platform_templates_name_no_area_endpoint():
    # The platform's pages (base, login, accounts) are shared by every area; an url_for naming an
    # area's endpoint would break the app without that area. (Hard-coded nav links are URLs of
    # the public contract, not endpoints.)
    import re

    platform = ROOT / "studio" / PLATFORM
    blueprints = set(re.findall(r"""Blueprint\(\s*["'](\w+)["']""",
                                "".join(p.read_text(encoding="utf-8") for p in platform.glob("*.py"))))
    found = []
    for template in sorted((platform / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"""url_for\(\s*["']([\w.]+)["']""", text):
            endpoint = match.group(1)
            if "." in endpoint and endpoint.split(".")[0] not in blueprints:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(ROOT)}:{line}: url_for({endpoint!r})")
    assert not found, "\n".join(found)
