"""``ConsoleClient``: the console's HTTP API (device login, tokens, user, orgs, remote config).

A small synchronous ``httpx2`` client with short timeouts: it is used from the command line and
from ``turnout_configure``, which must never hang the runtime. Errors are raised as
``ConsoleUnavailableError`` / ``ConsoleHTTPError`` whose messages name the server and the
status, never a token, an org id or a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from pydantic import SecretStr

from turnout_zen_console.errors import ConsoleHTTPError, ConsoleUnavailableError
from turnout_zen_console.server import CLIENT_ID

__all__ = ["DEVICE_CODE_GRANT", "ConsoleClient", "TokenGrant", "TokenRefusal"]

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
"""The RFC 8628 grant type used while polling for the device login."""

_TIMEOUT = httpx2.Timeout(10.0, connect=5.0)


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A token pair issued by the console."""

    access_token: SecretStr
    """The bearer token."""
    refresh_token: SecretStr
    """The token that obtains the next pair."""
    expires_in: float
    """Seconds until ``access_token`` expires."""


@dataclass(frozen=True, slots=True)
class TokenRefusal:
    """The token endpoint's ``{"error", "error_description"}`` answer."""

    error: str
    """``authorization_pending``, ``slow_down``, ``expired_token``, ``access_denied``, …"""
    description: str | None
    """The console's explanation, if any."""
    status: int
    """The HTTP status it came with."""

    def describe(self) -> str:
        """``error: description`` for messages."""
        return f"{self.error}: {self.description}" if self.description else self.error


class ConsoleClient:
    """Calls to one console server. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        server: str,
        *,
        timeout: httpx2.Timeout | float = _TIMEOUT,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.server = server
        """The console base URL (normalised)."""
        self._http = httpx2.Client(
            base_url=server,
            timeout=timeout,
            transport=transport,
            headers={"accept": "application/json"},
        )

    def __enter__(self) -> ConsoleClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- device login and tokens ------------------------------------------------------------

    def request_device_code(self) -> dict[str, Any]:
        """``POST /auth/device/code``: the device code, user code, URL, lifetime and interval."""
        return self._object(self._send("POST", "/auth/device/code", json={"client_id": CLIENT_ID}))

    def poll_device_token(self, device_code: str) -> TokenGrant | TokenRefusal:
        """``POST /auth/device/token`` once: the tokens, or the console's refusal (e.g. pending)."""
        body = {"grant_type": DEVICE_CODE_GRANT, "device_code": device_code, "client_id": CLIENT_ID}
        return self._token_answer(self._send("POST", "/auth/device/token", json=body, check=False))

    def refresh(self, refresh_token: str) -> TokenGrant:
        """Trade the refresh token for a new pair; raises ``ConsoleHTTPError`` if refused."""
        body = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
        }
        answer = self._token_answer(self._send("POST", "/auth/device/token", json=body, check=False))
        if isinstance(answer, TokenRefusal):
            raise ConsoleHTTPError(
                f"the console at {self.server} refused the token refresh ({answer.describe()})",
                status=answer.status,
                error=answer.error,
            )
        return answer

    # -- account data -----------------------------------------------------------------------

    def get_user(self, token: str) -> dict[str, Any]:
        """``GET /api/user``: ``{"id", "email"}``."""
        return self._object(self._send("GET", "/api/user", token=token))

    def get_orgs(self, token: str) -> list[dict[str, Any]]:
        """``GET /api/orgs``: the user's organisations, each at least ``{"id", "name"}``."""
        data = self._json(self._send("GET", "/api/orgs", token=token))
        if not isinstance(data, list) or not all(isinstance(o, dict) and "id" in o for o in data):
            raise ConsoleHTTPError(f"the console at {self.server} sent an unexpected /api/orgs body")
        return data

    def get_config(self, token: str, org_id: str) -> dict[str, Any] | None:
        """``GET /api/config`` for one org: its ``config`` object, or ``None`` on 404 (none)."""
        response = self._send("GET", "/api/config", token=token, org_id=org_id, check=False)
        if response.status_code == 404:
            return None
        self._check(response)
        data = self._object(response)
        config = data.get("config")
        if not isinstance(config, dict):
            raise ConsoleHTTPError(f"the console at {self.server} sent a /api/config body without a config object")
        return config

    # -- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        org_id: str | None = None,
        check: bool = True,
    ) -> httpx2.Response:
        headers = {}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        if org_id is not None:
            headers["x-org-id"] = org_id
        try:
            response = self._http.request(method, path, json=json, headers=headers)
        except httpx2.TimeoutException:
            raise ConsoleUnavailableError(f"the console at {self.server} did not answer in time ({path})") from None
        except httpx2.HTTPError as exc:
            raise ConsoleUnavailableError(
                f"cannot reach the console at {self.server} ({path}): {type(exc).__name__}"
            ) from None
        if check:
            self._check(response)
        return response

    def _check(self, response: httpx2.Response) -> None:
        if response.is_success:
            return
        try:
            detail = _describe(response.json())
        except ValueError:
            detail = response.reason_phrase or "no details"
        raise ConsoleHTTPError(
            f"the console at {self.server} answered {response.status_code} to {response.request.url.path}: {detail}",
            status=response.status_code,
        )

    def _json(self, response: httpx2.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ConsoleHTTPError(
                f"the console at {self.server} sent a body that is not JSON ({response.request.url.path})",
                status=response.status_code,
            ) from None

    def _object(self, response: httpx2.Response) -> dict[str, Any]:
        data = self._json(response)
        if not isinstance(data, dict):
            raise ConsoleHTTPError(
                f"the console at {self.server} sent an unexpected body ({response.request.url.path})",
                status=response.status_code,
            )
        return data

    def _token_answer(self, response: httpx2.Response) -> TokenGrant | TokenRefusal:
        """Token endpoint answers: refusals come as ``{"error"}`` (usually 400), grants as 200."""
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            description = data.get("error_description")
            return TokenRefusal(
                error=data["error"],
                description=description[:300] if isinstance(description, str) else None,
                status=response.status_code,
            )
        self._check(response)
        data = self._object(response)
        access, refresh, expires_in = (
            data.get("access_token"),
            data.get("refresh_token"),
            data.get("expires_in"),
        )
        if not isinstance(access, str) or not isinstance(refresh, str) or not isinstance(expires_in, int | float):
            raise ConsoleHTTPError(f"the console at {self.server} sent a token answer without tokens or expiry")
        return TokenGrant(SecretStr(access), SecretStr(refresh), float(expires_in))


def _describe(body: Any) -> str:
    """The ``error`` and ``error_description`` of a console error body (nothing else of it)."""
    if isinstance(body, dict):
        error = body.get("error")
        description = body.get("error_description") or body.get("message")
        parts = [str(part) for part in (error, description) if isinstance(part, str) and part]
        if parts:
            return ": ".join(parts)[:300]
    return "no details"
