"""turnout's pytest plugin, registered through the ``pytest11`` entry point.

Fixtures:

- ``turnout_cassette``: a ``CassetteTransport`` over ``cassettes/<test name>.json`` beside the
  test file (``@pytest.mark.turnout_cassette("name")`` picks another name). Replays by default;
  ``--turnout-record`` or ``TURNOUT_RECORD=1`` records, ``TURNOUT_RECORD=auto`` records only
  what is missing (refused under CI). At teardown, interactions the test never requested fail it.
- ``turnout_runtime``: a ``turnout.Runtime`` whose HTTP goes through ``turnout_cassette``;
  override ``turnout_runtime_options`` to pass it ``config``, ``plugins``, ``native`` ….
- ``event_snapshot``: syrupy's ``snapshot`` storing event streams as JSONL.
- ``turnout_redactor``: the ``Redactor`` cassettes use; override it to keep more headers or
  to add URL and body rules.

This module is imported in every pytest run where turnout is installed, so it imports nothing
heavy at module level.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from turnout.testing.cassette import CassetteTransport, Mode
    from turnout.testing.redaction import Redactor

_CALL_FAILED = pytest.StashKey[bool]()
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--turnout-record``."""
    group = parser.getgroup("turnout", "turnout cassettes")
    group.addoption(
        "--turnout-record",
        action="store_true",
        default=False,
        help="record turnout cassettes against the real network, replacing existing ones "
        "(same as TURNOUT_RECORD=1; TURNOUT_RECORD=auto records only missing exchanges)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``turnout_cassette`` marker."""
    config.addinivalue_line(
        "markers",
        "turnout_cassette(name): use cassettes/<name>.json beside the test file instead of one named after the test",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the conformance suite's scenario and declined-case tests."""
    if metafunc.cls is None:
        return
    if "turnout_scenario" in metafunc.fixturenames:
        scenarios = list(getattr(metafunc.cls, "scenarios", None) or {})
        metafunc.parametrize("turnout_scenario", scenarios or [pytest.param(None, id="no-scenarios")])
    if "turnout_declined_case" in metafunc.fixturenames:
        cases = list(getattr(metafunc.cls, "declined", None) or ())
        metafunc.parametrize(
            "turnout_declined_case",
            [pytest.param(case, id=case.id or f"declined{i}") for i, case in enumerate(cases)]
            or [pytest.param(None, id="no-declined-cases")],
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed (the cassette check at teardown then stays quiet)."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def cassette_name(item: pytest.Item) -> str:
    """The cassette name for a test: the marker's name, else the test name (safe for a file)."""
    marker = item.get_closest_marker("turnout_cassette")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str) or not marker.args[0]:
            raise pytest.UsageError(f"{item.nodeid}: use @pytest.mark.turnout_cassette('name') with one non-empty name")
        return str(marker.args[0])
    return _UNSAFE_FILENAME.sub("_", item.name)


def cassette_path(folder: Path, name: str) -> Path:
    """``folder/<name>.json``; a name that leads outside ``folder`` (``../x``, ``/x``) is a usage error."""
    path = folder / f"{name}.json"
    if not path.resolve().is_relative_to(folder.resolve()):
        raise pytest.UsageError(f"cassette name {name!r} leads outside the cassettes folder {folder}; use a plain name")
    return path


@pytest.fixture
def turnout_record_mode(request: pytest.FixtureRequest) -> Mode:
    """``"replay"``, ``"record"`` or ``"auto"`` (``--turnout-record``, ``$TURNOUT_RECORD``)."""
    from turnout.testing.cassette import CassetteModeError, resolve_mode

    try:
        return resolve_mode(bool(request.config.getoption("turnout_record")))
    except CassetteModeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def turnout_redactor() -> Redactor:
    """The redactor cassettes use (override this fixture to change it)."""
    from turnout.testing.redaction import Redactor

    return Redactor()


@pytest.fixture
def turnout_cassette(
    request: pytest.FixtureRequest, turnout_record_mode: Mode, turnout_redactor: Redactor
) -> Iterator[CassetteTransport]:
    """A cassette transport for this test: ``cassettes/<name>.json`` beside the test file."""
    from turnout.testing.cassette import CassetteError, CassetteTransport

    path = cassette_path(Path(request.path).parent / "cassettes", cassette_name(request.node))
    try:
        transport = CassetteTransport(
            path,
            turnout_record_mode,
            redactor=turnout_redactor,
            metadata={"test": request.node.nodeid},
        )
    except CassetteError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield transport
    if request.node.stash.get(_CALL_FAILED, False):
        return
    try:
        transport.verify()
    except CassetteError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def turnout_runtime_options() -> dict[str, Any]:
    """Keyword arguments for ``turnout_runtime`` (override: ``config``, ``plugins`` …)."""
    return {}


@pytest.fixture
def turnout_runtime(turnout_cassette: CassetteTransport, turnout_runtime_options: dict[str, Any]) -> Iterator[Any]:
    """A ``turnout.Runtime`` whose HTTP goes through ``turnout_cassette``."""
    import asyncio

    try:
        from turnout import Runtime
    except ImportError as exc:
        pytest.fail(f"turnout_runtime needs turnout.Runtime, which cannot be imported: {exc}", pytrace=False)
    runtime = Runtime(transport=turnout_cassette, **turnout_runtime_options)
    yield runtime
    asyncio.run(runtime.aclose())


@pytest.fixture
def event_snapshot(request: pytest.FixtureRequest) -> Any:
    """syrupy's ``snapshot``, storing event streams as one JSONL file per snapshot."""
    try:
        snapshot = request.getfixturevalue("snapshot")
    except pytest.FixtureLookupError:
        pytest.fail("event_snapshot needs syrupy: install the turnout[testing] extra", pytrace=False)
    from turnout.testing.snapshot import JSONLSnapshotExtension

    return snapshot.use_extension(JSONLSnapshotExtension)
