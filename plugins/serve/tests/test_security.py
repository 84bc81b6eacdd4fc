"""Gateway keys, body limit, model allowlist, and what the access log may show."""

from __future__ import annotations

import json
import logging

import httpx2
import openai
import pytest
from conftest import Served
from gateway_support import GATEWAY_KEY, gateway, make_runtime, recording, settings, upstream
from turnout_serve.settings import GatewayKey, digest

TEXT = recording("openai-responses", "mirascope__text-gpt-4o.0.sse")
BODY = {"model": "openai/gpt-4o", "input": "Hi"}


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "turnout.serve.access"]


def test_no_key_is_refused_with_401(served: Served) -> None:
    up, url = served.upstream, served.url
    up.play(TEXT)
    response = httpx2.post(f"{url}/v1/responses", json=BODY)
    models = httpx2.get(f"{url}/v1/models")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert models.status_code == 401
    assert up.requests == []


def test_wrong_key_is_refused_with_401_and_never_logged(caplog: pytest.LogCaptureFixture, served: Served) -> None:
    wrong = "gw-wrong-key-7c3e1a99"
    caplog.set_level(logging.DEBUG)
    up, url = served.upstream, served.url
    up.play(TEXT)
    sdk = openai.OpenAI(base_url=f"{url}/v1", api_key=wrong, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        sdk.responses.create(model="openai/gpt-4o", input="Hi")
    sdk_ok = openai.OpenAI(base_url=f"{url}/v1", api_key=GATEWAY_KEY, max_retries=0)
    sdk_ok.responses.create(model="openai/gpt-4o", input="Hi")
    assert raised.value.status_code == 401
    assert up.json_requests() and len(up.requests) == 1
    assert wrong not in caplog.text and GATEWAY_KEY not in caplog.text
    lines = access_lines(caplog)
    assert [(line["status"], line["key_id"]) for line in lines] == [(401, None), (200, "tester")]
    assert lines[1]["model"] == "openai/gpt-4o" and lines[1]["runtime"] == "native-openai"
    assert lines[1]["input_tokens"] and lines[1]["output_tokens"]


def test_key_in_x_api_key_header_is_accepted(served: Served) -> None:
    up, url = served.upstream, served.url
    up.play(TEXT)
    response = httpx2.post(f"{url}/v1/responses", json=BODY, headers={"x-api-key": GATEWAY_KEY})
    assert response.status_code == 200
    assert response.headers["x-turnout-runtime"] == "native-openai"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_refused_with_413(chunked: bool) -> None:
    big = json.dumps({**BODY, "input": "x" * 4096}).encode()
    with upstream(TEXT) as up, gateway(make_runtime(up.url), settings(max_body_bytes=2048)) as url:
        content = iter([big[:1000], big[1000:]]) if chunked else big
        response = httpx2.post(
            f"{url}/v1/responses",
            content=content,
            headers={"authorization": f"Bearer {GATEWAY_KEY}", "content-type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert up.requests == []


def test_model_outside_the_allowlist_is_refused_and_not_listed() -> None:
    keys = (GatewayKey("narrow", digest(GATEWAY_KEY), models=("compat/*",)),)
    with upstream(TEXT) as up, gateway(make_runtime(up.url), settings(keys=keys)) as url:
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key=GATEWAY_KEY, max_retries=0)
        with pytest.raises(openai.PermissionDeniedError) as raised:
            sdk.responses.create(model="openai/gpt-4o", input="Hi")
        listed = [model.id for model in sdk.models.list()]
    assert raised.value.status_code == 403
    assert raised.value.code == "model_not_allowed"
    assert listed == ["compat/gpt-4o"]
    assert up.requests == []


def test_unknown_models_are_404_and_aliases_resolve() -> None:
    with upstream(TEXT) as up:
        runtime = make_runtime(up.url)
        configured = {f"{p}/{m}" for p, provider in runtime.config.provider.items() for m in provider.models}
        assert "compat/gpt-4o" in configured
        with gateway(runtime, settings(aliases={"fast": "openai/gpt-4o"})) as url:
            sdk = openai.OpenAI(base_url=f"{url}/v1", api_key=GATEWAY_KEY, max_retries=0)
            for model in ("gpt-unknown", "nowhere/gpt-4o"):
                with pytest.raises(openai.NotFoundError) as raised:
                    sdk.responses.create(model=model, input="Hi")
                assert raised.value.code == "model_not_found"
            response = sdk.responses.create(model="fast", input="Hi")
            listed = {model.id for model in sdk.models.list()}
    assert response.model == "fast"
    assert up.json_requests()[0]["model"] == "gpt-4o"
    assert listed == configured | {"fast"}


def test_health_needs_no_key_and_no_cors_headers_by_default(served: Served) -> None:
    up, url = served.upstream, served.url
    up.play(TEXT)
    health = httpx2.get(f"{url}/healthz", headers={"origin": "https://example.com"})
    preflight = httpx2.options(
        f"{url}/v1/responses",
        headers={"origin": "https://example.com", "access-control-request-method": "POST"},
    )
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert not any(name.startswith("access-control-") for name in health.headers)
    assert not any(name.startswith("access-control-") for name in preflight.headers)
