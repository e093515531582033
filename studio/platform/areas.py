"""Helpers for area packages: the public names an area offers the others.

An area may import from another only its package's public names and its models
(tests/test_layout.py). A package that re-exported its services eagerly would import them
whenever anyone imports its models, and areas whose services import each other's packages would
then meet half-initialised modules; so an area names its public names here and each is imported
on first use.
"""
from __future__ import annotations

import importlib
from typing import Callable


def lazy_public_names(package: str, names: dict[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` for `package` (PEP 562): `names` maps each public name to the
    submodule that defines it ("services" for `package.services`), imported when first asked."""

    def __getattr__(name: str):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(importlib.import_module(package), name, value)  # asked once, then a plain attribute
        return value

    return __getattr__
