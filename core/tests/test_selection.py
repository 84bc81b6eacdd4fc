"""Selection (DESIGN §4): vetoes, priorities, isolation of failing plugins, the log line."""

from __future__ import annotations

import logging

import pytest
import turnout
from turnout import Priority, Verdict
from turnout.errors import UnsupportedRequestError
from turnout.selection import choose

from testsupport.fakes import ScriptedRuntime, runtime_with, text_step

REQUEST = turnout.LLMRequest(model="openai/gpt-4.1-mini", messages=[turnout.user("hi")])


def test_highest_priority_supported_runtime_wins_and_the_rest_are_candidates() -> None:
    selection = choose(
        [
            Verdict("fallback", True, priority=Priority.FALLBACK, plugin="a"),
            Verdict("native", True, priority=Priority.NATIVE, plugin="b"),
            Verdict("third", True, plugin="c"),
        ]
    )
    assert selection.runtime == "native"
    assert selection.candidates == ("native", "third", "fallback")
    assert selection.declined["fallback"] == "lower priority than native"


def test_a_veto_from_any_plugin_removes_the_runtime_with_its_reason() -> None:
    selection = choose(
        [
            Verdict("native", True, priority=Priority.NATIVE, plugin="owner"),
            Verdict("native", False, "team policy: internal prompts stay on the fallback", plugin="policy"),
            Verdict("fallback", True, priority=Priority.FALLBACK, plugin="fb"),
        ]
    )
    assert selection.runtime == "fallback"
    assert selection.declined["native"] == "team policy: internal prompts stay on the fallback (policy)"


def test_no_supported_runtime_selects_nothing() -> None:
    assert choose([Verdict("native", False, "off", plugin="x")]).runtime is None


def test_selection_logs_the_choice_and_the_declined_reasons(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="turnout.selection")
    choose([Verdict("a", True, plugin="p"), Verdict("b", False, "nope", plugin="q")], provider="openai", model="m")
    record = next(r for r in caplog.records if r.getMessage() == "llm runtime selected")
    assert record.runtime == "a" and record.provider == "openai" and record.model == "m"  # type: ignore[attr-defined]
    assert record.declined == {"b": "nope (q)"}  # type: ignore[attr-defined]


class Exploding:
    __name__ = "exploding"
    turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)

    @turnout.hookimpl
    def turnout_check_support(self) -> None:
        raise RuntimeError("kaboom")


def test_a_plugin_that_raises_in_check_support_never_breaks_selection() -> None:
    rt = runtime_with(Exploding(), ScriptedRuntime([text_step("hello")]))
    selection = rt.select(REQUEST)
    assert selection.runtime == "scripted"
    broken = [v for v in selection.verdicts if v.plugin == "exploding"]
    assert len(broken) == 1 and not broken[0].supported
    assert broken[0].reason == "plugin error: RuntimeError: kaboom"


def test_no_candidate_raises_unsupported_request_error_listing_every_reason() -> None:
    class Decliner:
        __name__ = "decliner"
        turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)

        @turnout.hookimpl
        def turnout_check_support(self) -> list[Verdict]:
            return [Verdict("native", False, "provider is not openai or opencode"), Verdict("other", False, "no key")]

    rt = runtime_with(Decliner())
    with pytest.raises(UnsupportedRequestError) as info:
        rt.generate_sync(REQUEST)
    message = str(info.value)
    assert "provider is not openai or opencode" in message and "no key" in message
    assert len(info.value.verdicts) == 2


def test_a_verdict_of_the_wrong_type_counts_as_a_plugin_error() -> None:
    class Sloppy:
        __name__ = "sloppy"
        turnout_manifest = turnout.Manifest(hooks_version=turnout.HOOKS_VERSION)

        @turnout.hookimpl
        def turnout_check_support(self) -> object:
            return {"runtime": "x", "supported": True}

    selection = runtime_with(Sloppy()).select(REQUEST)
    assert selection.runtime is None
    assert "expected turnout.Verdict" in (selection.verdicts[0].reason or "")
