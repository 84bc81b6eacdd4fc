"""``lazy_exports``: a package's public names, imported from their home modules on first use.

``turnout``, ``turnout.plugin_api``, ``turnout.testing`` and ``turnout.http`` list their public
names with the module each lives in; a name is imported when it is first read and then kept in
the package's globals, so importing the package itself stays cheap::

    __getattr__, __dir__ = lazy_exports(__name__, {"Runtime": "turnout.runtime"}, __all__)

A home that names the attribute itself (``{"errors": "turnout.errors"}``) exports the module.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    :param package: the package's ``__name__``.
    :param homes: each lazily exported name → the dotted module it is defined in.
    :param public: the package's ``__all__`` (what ``dir()`` lists besides loaded names).
    """

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home)
        value = module if home.rpartition(".")[2] == name else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return __getattr__, __dir__
