"""pydantic-ai's OpenAI Responses and Chat models as the gateway's client, with a tool it runs
itself: the call goes back to the client, the result comes back, the answer is the recording's."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Served
from gateway_support import GATEWAY_KEY, chat_recorded, recording, responses_recorded
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

CASES = {
    "responses": (
        OpenAIResponsesModel,
        "openai/gpt-4o",
        "openai-responses",
        responses_recorded,
    ),
    "chat": (OpenAIChatModel, "compat/gpt-4o", "openai-chat", chat_recorded),
}
SECRETS = {"mellon": "Welcome to Moria!", "radiance": "Life before Death"}


@pytest.mark.parametrize("api", list(CASES))
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_pydantic_ai_agent_runs_a_tool_round_trip_through_the_gateway(api: str, stream: bool, served: Served) -> None:
    model_class, model_name, subdir, recorded = CASES[api]
    first = recording(subdir, "mirascope__parallel-tools-gpt-4o.0.sse")
    second = recording(subdir, "mirascope__parallel-tools-gpt-4o.1.sse")
    calls, answer = recorded(first), recorded(second)
    seen: list[str] = []
    up, url = served.upstream, served.url
    up.play(first, second)
    provider = OpenAIProvider(base_url=f"{url}/v1", api_key=GATEWAY_KEY)
    agent = Agent(model_class(model_name, provider=provider), instructions="Use parallel tool calling.")

    @agent.tool_plain
    def secret_retrieval_tool(password: str) -> str:
        """A tool that requires a password to retrieve a secret."""
        seen.append(password)
        return SECRETS[password]

    prompt = "Please retrieve the secrets associated with each of these passwords: mellon,radiance"
    if stream:

        async def run() -> tuple[str, object]:
            async with agent.run_stream(prompt) as result:
                text = await result.get_output()
                return text, result.usage

        text, usage = asyncio.run(run())
    else:
        result = agent.run_sync(prompt)
        text, usage = result.output, result.usage
    passwords = [arguments["password"] for _, _, arguments in calls.calls]
    assert sorted(seen) == sorted(passwords)  # the agent may run the two calls in any order
    assert text == answer.text
    assert usage.input_tokens == calls.usage["input"] + answer.usage["input"]  # type: ignore[attr-defined]
    assert usage.output_tokens == calls.usage["output"] + answer.usage["output"]  # type: ignore[attr-defined]
    follow_up = up.json_requests()[1]
    if api == "responses":
        outputs = [item["output"] for item in follow_up["input"] if item.get("type") == "function_call_output"]
    else:
        outputs = [message["content"] for message in follow_up["messages"] if message["role"] == "tool"]
    assert outputs == [SECRETS[password] for password in passwords]
