"""The lazily exported public names of turnout's packages."""

from __future__ import annotations

import subprocess
import sys

import pytest

PACKAGES = ["turnout", "turnout.plugin_api", "turnout.testing", "turnout.http"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_from_a_fresh_import(package: str) -> None:
    code = (
        "import importlib, sys\n"
        f"package = importlib.import_module({package!r})\n"
        "names = [name for name in package.__all__ if name not in vars(package)]\n"
        "for name in names:\n"
        "    assert getattr(package, name) is not None, name\n"
        "    assert name in vars(package), name  # kept after the first read\n"
        "assert set(package.__all__) <= set(dir(package))\n"
        "print(len(names))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) > 0  # the package really defers some names


def test_errors_is_exported_as_the_module_itself() -> None:
    code = "import sys, turnout; print(turnout.errors is sys.modules['turnout.errors'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


@pytest.mark.parametrize("package", PACKAGES)
def test_an_unknown_name_is_an_attribute_error_naming_the_package(package: str) -> None:
    module = __import__(package, fromlist=["_"])
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018
