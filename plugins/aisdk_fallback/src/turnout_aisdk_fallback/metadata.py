"""The ``provider_metadata`` layout the fallback writes on events and reads back when lowering.

``{<pydantic-ai provider name>: {"itemId": …, "reasoningEncryptedContent" | "signature": …,
"providerDetails": {…}}}`` — OpenAI's keys match the native runtime's (``itemId``,
``reasoningEncryptedContent``), so a conversation can move between the two runtimes; other
providers carry their opaque state (Anthropic thinking signatures, Google thought signatures,
Anthropic redacted thinking) under ``signature``.
"""

from __future__ import annotations

from typing import Any

from turnout.plugin_api import ProviderMetadata

__all__ = ["PartState", "read", "write"]

_OPENAI_SYSTEMS = frozenset({"openai", "azure"})


def _signature_key(provider: str) -> str:
    return "reasoningEncryptedContent" if provider in _OPENAI_SYSTEMS else "signature"


def write(
    provider: str | None,
    *,
    item_id: str | None = None,
    signature: str | None = None,
    details: dict[str, Any] | None = None,
) -> ProviderMetadata | None:
    """Metadata for one part, or ``None`` when there is nothing to carry."""
    if provider is None:
        return None
    data: dict[str, Any] = {}
    if item_id is not None:
        data["itemId"] = item_id
    if signature is not None:
        data[_signature_key(provider)] = signature
    if details:
        data["providerDetails"] = details
    return {provider: data} if data else None


class PartState:
    """What metadata says about a part: its provider, item id, signature and details."""

    __slots__ = ("details", "item_id", "provider", "signature")

    def __init__(
        self,
        provider: str | None = None,
        item_id: str | None = None,
        signature: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.provider = provider
        self.item_id = item_id
        self.signature = signature
        self.details = details


def read(metadata: ProviderMetadata | None) -> PartState:
    """The first provider entry of ``metadata`` that carries state this layout knows."""
    for provider, data in (metadata or {}).items():
        if not isinstance(data, dict):
            continue
        signature = data.get("reasoningEncryptedContent") or data.get("signature")
        item_id = data.get("itemId")
        details = data.get("providerDetails")
        if item_id is not None or signature is not None or details:
            return PartState(provider, item_id, signature, details if isinstance(details, dict) else None)
    return PartState()
