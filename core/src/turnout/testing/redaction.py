"""What a cassette may keep: header allow-lists, URL and body redaction, and the secret scan.

A ``Redactor`` is applied to every exchange before it is stored *and* to every request before it
is matched, so recorded and live requests are compared in the same redacted form. Whatever the
redactor lets through is then scanned by ``scan_for_secrets``; a cassette with findings is never
written (see ``turnout.testing.cassette``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from turnout.http.redaction import REDACTED, is_credential_header

__all__ = [
    "DEFAULT_REQUEST_HEADERS",
    "DEFAULT_RESPONSE_HEADERS",
    "REDACTED",
    "SENSITIVE_JSON_FIELDS",
    "SENSITIVE_QUERY_PARAMS",
    "Redactor",
    "SecretFinding",
    "TextRule",
    "scan_for_secrets",
]

DEFAULT_REQUEST_HEADERS = frozenset({"content-type", "accept", "openai-beta", "anthropic-version", "anthropic-beta"})
"""Request headers a cassette keeps by default (every other header is dropped)."""

DEFAULT_RESPONSE_HEADERS = frozenset({"content-type"})
"""Response headers a cassette keeps by default."""

SENSITIVE_QUERY_PARAMS = frozenset(
    {
        "access_token",
        "api-key",
        "api_key",
        "apikey",
        "code",
        "key",
        "signature",
        "sig",
        "token",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-signature",
    }
)
"""Query parameters whose values are replaced with ``[REDACTED]`` (names compared lower-case)."""

SENSITIVE_JSON_FIELDS = frozenset(
    {"accesstoken", "apikey", "clientsecret", "password", "refreshtoken", "secret", "token"}
)
"""JSON keys whose values are redacted in JSON bodies (compared without case, ``-`` or ``_``)."""

TextRule: TypeAlias = Callable[[str], str] | tuple[str | re.Pattern[str], str]
"""A body or URL rule: a function of the text, or a ``(regex, replacement)`` pair."""


def _apply_rules(text: str, rules: Iterable[TextRule]) -> str:
    for rule in rules:
        if callable(rule):
            text = rule(text)
        else:
            pattern, replacement = rule
            text = re.sub(pattern, replacement, text)
    return text


def _field_key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


@dataclass(frozen=True)
class Redactor:
    """How exchanges are cleaned before they are stored or matched.

    The defaults keep only harmless headers, redact credentials in URLs and common secret
    fields in JSON bodies. Extend them for your provider, e.g.::

        Redactor(
            request_headers=DEFAULT_REQUEST_HEADERS | {"x-team"},
            url_rules=[(r"http://127\\.0\\.0\\.1:\\d+", "http://echo.test")],
            body_rules=[(r"wrk_[A-Z0-9]+", "wrk_redacted")],
        )
    """

    request_headers: frozenset[str] = DEFAULT_REQUEST_HEADERS
    """Request header names kept (lower-case); the rest are dropped."""
    response_headers: frozenset[str] = DEFAULT_RESPONSE_HEADERS
    """Response header names kept (lower-case); the rest are dropped."""
    query_params: frozenset[str] = SENSITIVE_QUERY_PARAMS
    """Query parameter names whose values are replaced with ``[REDACTED]``."""
    json_fields: frozenset[str] = SENSITIVE_JSON_FIELDS
    """JSON keys whose values are redacted in JSON bodies (see ``SENSITIVE_JSON_FIELDS``)."""
    url_rules: tuple[TextRule, ...] = field(default=())
    """Applied to the URL after query redaction (e.g. to replace a random port or an id)."""
    body_rules: tuple[TextRule, ...] = field(default=())
    """Applied to request and response bodies stored as text."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "request_headers", frozenset(h.lower() for h in self.request_headers))
        object.__setattr__(self, "response_headers", frozenset(h.lower() for h in self.response_headers))
        object.__setattr__(self, "query_params", frozenset(p.lower() for p in self.query_params))
        object.__setattr__(self, "json_fields", frozenset(_field_key(f) for f in self.json_fields))
        object.__setattr__(self, "url_rules", tuple(self.url_rules))
        object.__setattr__(self, "body_rules", tuple(self.body_rules))

    def url(self, url: str) -> str:
        """The URL without user info, with sensitive query values redacted, then ``url_rules``."""
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        query = parts.query
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(name.lower() in self.query_params for name, _ in pairs):
            query = urlencode(
                [(k, REDACTED if k.lower() in self.query_params else v) for k, v in pairs],
                safe="[]",
            )
        return _apply_rules(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), self.url_rules)

    def request_header_map(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """The allow-listed request headers, names lower-cased and sorted."""
        return self._headers(headers, self.request_headers)

    def response_header_map(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """The allow-listed response headers, names lower-cased and sorted."""
        return self._headers(headers, self.response_headers)

    def body(self, text: str) -> str:
        """A text body with sensitive JSON fields redacted (JSON only), then ``body_rules``."""
        if self.json_fields and text[:1] in ("{", "["):
            try:
                data = json.loads(text)
            except ValueError:
                pass
            else:
                redacted, changed = self._redact_json(data)
                if changed:
                    text = json.dumps(redacted, ensure_ascii=False)
        return _apply_rules(text, self.body_rules)

    def _headers(self, headers: Iterable[tuple[str, str]], allowed: frozenset[str]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for name, value in headers:
            lower = name.lower()
            if lower in allowed:
                kept[lower] = REDACTED if is_credential_header(lower) else value
        return dict(sorted(kept.items()))

    def _redact_json(self, data: Any) -> tuple[Any, bool]:
        if isinstance(data, dict):
            changed = False
            out: dict[str, Any] = {}
            for key, value in data.items():
                if _field_key(str(key)) in self.json_fields and isinstance(value, str) and value != REDACTED:
                    out[key] = REDACTED
                    changed = True
                else:
                    out[key], sub_changed = self._redact_json(value)
                    changed = changed or sub_changed
            return out, changed
        if isinstance(data, list):
            items = [self._redact_json(item) for item in data]
            return [item for item, _ in items], any(changed for _, changed in items)
        return data, False


# -------------------------------------------------------------------------
# The secret scan
# -------------------------------------------------------------------------

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}"), "a bearer token"),
    (re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"), "an Anthropic-style key (sk-ant-…)"),
    (re.compile(r"\bsk-(?!ant-)[A-Za-z0-9_-]{16,}"), "an OpenAI-style key (sk-…)"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"), "a Google API key (AIza…)"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id (AKIA…/ASIA…)"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), "a GitHub token (gh?_…)"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a PEM private key"),
)

_SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|AUTH|CREDENTIAL|BEARER", re.IGNORECASE)
_MIN_ENV_SECRET_LENGTH = 12
_TRIVIAL_VALUES = frozenset({"fixture", "test", "test-key", "true", "false", "none", "null"})


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """Something that looks like a secret, and where: never the secret itself."""

    where: str
    """The place in the cassette, e.g. ``interactions[0].request.headers['x-api-key']``."""
    what: str
    """What it looks like, e.g. ``an OpenAI-style key (sk-…)``, ``the value of $MY_TOKEN``."""

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _env_secrets(env: Mapping[str, str]) -> list[tuple[str, str]]:
    secrets = []
    for name, value in env.items():
        if not _SECRET_ENV_NAME.search(name):
            continue
        value = value.strip()
        if len(value) < _MIN_ENV_SECRET_LENGTH or value.lower() in _TRIVIAL_VALUES:
            continue
        if value.startswith("fixture-") or len(set(value)) == 1:
            continue
        secrets.append((value, name))
    return secrets


def _position(text: str, offset: int) -> str:
    if "\n" not in text:
        return ""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f" (line {line}, column {column})"


def _scan_text(where: str, text: str, env_secrets: list[tuple[str, str]]) -> Iterator[SecretFinding]:
    for pattern, what in _SECRET_PATTERNS:
        match = pattern.search(text)
        if match:
            yield SecretFinding(where + _position(text, match.start()), what)
    for value, name in env_secrets:
        offset = text.find(value)
        if offset >= 0:
            yield SecretFinding(where + _position(text, offset), f"the value of ${name}")


def scan_for_secrets(fields: Iterable[tuple[str, str]], env: Mapping[str, str] | None = None) -> list[SecretFinding]:
    """Scan ``(where, text)`` pairs for things that look like secrets.

    Looks for bearer tokens (16+ characters), ``sk-…`` / ``sk-ant-…`` keys, Google ``AIza…``
    keys, AWS ``AKIA…``/``ASIA…`` ids, GitHub ``gh?_…`` tokens, PEM private keys, and the value
    of any environment variable whose name contains KEY, TOKEN, SECRET, PASSWORD, AUTH,
    CREDENTIAL or BEARER (values of 12+ characters; trivial values and ``fixture-…``
    placeholders excepted). Findings name the place and the kind, never the value.
    """
    env_secrets = _env_secrets(os.environ if env is None else env)
    findings: list[SecretFinding] = []
    for where, text in fields:
        findings.extend(_scan_text(where, text, env_secrets))
    return findings
