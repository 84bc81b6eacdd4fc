"""turnout's testing kit: cassettes, event-stream snapshots and the plugin conformance suite.

Install the ``turnout[testing]`` extra; the pytest plugin (fixtures ``turnout_cassette``,
``turnout_runtime``, ``event_snapshot``, option ``--turnout-record``) is registered through the
``pytest11`` entry point. Names are imported on first use, so loading the pytest plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from turnout.guard import EventProtocolError, check_events
    from turnout.testing.cassette import (
        Cassette,
        CassetteError,
        CassetteMismatchError,
        CassetteModeError,
        CassetteNotFoundError,
        CassetteSecretError,
        CassetteTransport,
        CassetteUnplayedError,
        Interaction,
        load_cassette,
        resolve_mode,
    )
    from turnout.testing.conformance import DeclinedCase, PluginConformance
    from turnout.testing.redaction import (
        DEFAULT_REQUEST_HEADERS,
        DEFAULT_RESPONSE_HEADERS,
        Redactor,
        SecretFinding,
        scan_for_secrets,
    )
    from turnout.testing.snapshot import JSONLSnapshotExtension, event_lines, normalize

__all__ = [
    "DEFAULT_REQUEST_HEADERS",
    "DEFAULT_RESPONSE_HEADERS",
    "Cassette",
    "CassetteError",
    "CassetteMismatchError",
    "CassetteModeError",
    "CassetteNotFoundError",
    "CassetteSecretError",
    "CassetteTransport",
    "CassetteUnplayedError",
    "DeclinedCase",
    "EventProtocolError",
    "Interaction",
    "JSONLSnapshotExtension",
    "PluginConformance",
    "Redactor",
    "SecretFinding",
    "check_events",
    "event_lines",
    "load_cassette",
    "normalize",
    "resolve_mode",
    "scan_for_secrets",
]

_HOMES = {
    "check_events": "turnout.guard",
    "EventProtocolError": "turnout.guard",
    "DeclinedCase": "turnout.testing.conformance",
    "PluginConformance": "turnout.testing.conformance",
    "DEFAULT_REQUEST_HEADERS": "turnout.testing.redaction",
    "DEFAULT_RESPONSE_HEADERS": "turnout.testing.redaction",
    "Redactor": "turnout.testing.redaction",
    "SecretFinding": "turnout.testing.redaction",
    "scan_for_secrets": "turnout.testing.redaction",
    "JSONLSnapshotExtension": "turnout.testing.snapshot",
    "event_lines": "turnout.testing.snapshot",
    "normalize": "turnout.testing.snapshot",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {name: _HOMES.get(name, "turnout.testing.cassette") for name in __all__}, __all__
)
