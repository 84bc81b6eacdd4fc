"""Host tools for the tools OpenAI defines and the client runs: shell, local shell, apply patch,
computer use and custom (freeform) tools.

Each function returns a ``turnout.Tool`` to put in ``LLMRequest.tools``. The request declares
it to OpenAI as OpenAI defines it (``{"type": "shell"}`` …); the model's calls arrive as client
tool calls with typed input; the tool loop runs ``execute(input, ctx)`` (sync or async) and
sends its return value back as the output item the API expects::

    def run(action: ShellAction, ctx: turnout.ToolContext) -> list[ShellCommandOutput]:
        return [ShellCommandOutput(stdout=subprocess.run(c, shell=True, capture_output=True, text=True).stdout)
                for c in action.commands]

    request = turnout.LLMRequest(model="openai/gpt-5.1", messages=[...], tools=[shell_tool(run)])

Without ``execute`` the calls are left to the caller: the stream ends with ``tool-calls`` and
the caller appends ``Response.messages`` (or the assistant message with the call) and a tool
message answering it; the output goes back as the same item. A failing tool (it raised) is
answered as the kind allows: a shell exit code 1 with the message on stderr, a failed patch,
the message as text. Only OpenAI Responses serves these tools; other runtimes refuse them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from turnout.plugin_api import Tool, ToolContext

__all__ = [
    "ApplyPatchOperation",
    "ApplyPatchResult",
    "ComputerScreenshot",
    "LocalShellAction",
    "ShellAction",
    "ShellCommandOutput",
    "apply_patch_tool",
    "computer_tool",
    "custom_tool",
    "local_shell_tool",
    "shell_tool",
]

_In = TypeVar("_In")
Execute = Callable[[_In, ToolContext], Any | Awaitable[Any]]


class _Typed(BaseModel):
    model_config = ConfigDict(extra="allow")


class ShellAction(_Typed):
    """What the model wants a ``shell`` tool to run."""

    commands: list[str]
    """Shell commands, run in order."""
    timeout_ms: int | None = None
    """The time limit the model asks for, per command."""
    max_output_length: int | None = None
    """How much output the model wants back, per command."""


class ShellCommandOutput(_Typed):
    """The outcome of one shell command (``shell_call_output``)."""

    stdout: str = ""
    """What the command printed."""
    stderr: str = ""
    """What the command printed on standard error."""
    exit_code: int | None = 0
    """The exit code (``None`` with ``timed_out``)."""
    timed_out: bool = False
    """The command was stopped by its time limit."""


class LocalShellAction(_Typed):
    """What the model wants a ``local_shell`` tool to run (``type: exec``)."""

    command: list[str]
    """The program and its arguments."""
    env: dict[str, str] = {}
    """Extra environment variables."""
    timeout_ms: int | None = None
    """The time limit the model asks for."""
    user: str | None = None
    """The user to run as, when the model names one."""
    working_directory: str | None = None
    """Where to run, when the model names a directory."""


class ApplyPatchOperation(_Typed):
    """A file change the model wants an ``apply_patch`` tool to make."""

    type: Literal["create_file", "update_file", "delete_file"]
    """What to do with the file."""
    path: str
    """The file."""
    diff: str | None = None
    """The V4A diff (create and update)."""


class ApplyPatchResult(_Typed):
    """How applying a patch went (``apply_patch_call_output``)."""

    status: Literal["completed", "failed"] = "completed"
    """Whether the change was made."""
    output: str | None = None
    """A message for the model (what went wrong, or a summary)."""


class ComputerScreenshot(_Typed):
    """The screen after a computer action (``computer_call_output``): an image URL or a file id."""

    image_url: str | None = None
    """A ``data:`` URL or an address of the screenshot."""
    file_id: str | None = None
    """An uploaded file holding the screenshot."""


def shell_tool(execute: Execute[ShellAction] | None = None) -> Tool:
    """OpenAI's ``shell`` tool; ``execute`` returns ``ShellCommandOutput`` (one or a list)."""

    def wire(output: Any) -> Any:
        outputs = output if isinstance(output, Sequence) and not isinstance(output, str) else [output]
        return [_shell_output(item) for item in outputs]

    return _tool("shell", {"type": "shell"}, ShellAction.model_validate, execute, wire)


def local_shell_tool(execute: Execute[LocalShellAction] | None = None) -> Tool:
    """OpenAI's ``local_shell`` tool (Codex models); ``execute`` returns the output text."""
    return _tool("local_shell", {"type": "local_shell"}, LocalShellAction.model_validate, execute, str)


def apply_patch_tool(execute: Execute[ApplyPatchOperation] | None = None) -> Tool:
    """OpenAI's ``apply_patch`` tool; ``execute`` returns an ``ApplyPatchResult`` or a message."""

    def wire(output: Any) -> Any:
        result = output if isinstance(output, ApplyPatchResult) else ApplyPatchResult(output=str(output))
        return result.model_dump(exclude_none=True)

    return _tool("apply_patch", {"type": "apply_patch"}, ApplyPatchOperation.model_validate, execute, wire)


def computer_tool(
    execute: Execute[dict[str, Any]] | None = None,
    *,
    display_width: int,
    display_height: int,
    environment: Literal["browser", "mac", "windows", "ubuntu", "linux"] = "browser",
) -> Tool:
    """OpenAI's computer use tool; ``execute`` gets the action (``{"type": "click", …}``) and
    returns a ``ComputerScreenshot``."""
    definition = {
        "type": "computer_use_preview",
        "display_width": display_width,
        "display_height": display_height,
        "environment": environment,
    }

    def wire(output: Any) -> Any:
        if not isinstance(output, ComputerScreenshot):
            raise TypeError(f"a computer tool returns a ComputerScreenshot, not {type(output).__name__}")
        return {"type": "computer_screenshot", **output.model_dump(exclude_none=True)}

    return _tool("computer_use", definition, dict, execute, wire)


def custom_tool(
    name: str,
    execute: Execute[str] | None = None,
    *,
    description: str = "",
    grammar: Mapping[str, Any] | None = None,
) -> Tool:
    """A custom (freeform) tool: the model writes plain text (or text in ``grammar``, e.g.
    ``{"syntax": "lark", "definition": …}``); ``execute`` gets that text and returns text."""
    definition: dict[str, Any] = {"type": "custom", "name": name}
    if description:
        definition["description"] = description
    if grammar is not None:
        definition["format"] = {"type": "grammar", **grammar}

    def text_input(raw: Any) -> str:
        value = raw.get("input") if isinstance(raw, Mapping) else raw
        if not isinstance(value, str):
            raise TypeError(f"custom tool {name!r} expects text input, got {type(value).__name__}")
        return value

    return _tool(name, definition, text_input, execute, str, description=description)


def _tool(
    name: str,
    definition: Mapping[str, Any],
    validate: Callable[[Any], Any],
    execute: Execute[Any] | None,
    wire: Callable[[Any], Any],
    *,
    description: str = "",
) -> Tool:
    run = None
    if execute is not None:
        handler = execute

        async def run(value: Any, ctx: ToolContext) -> Any:
            output = handler(value, ctx)
            if inspect.isawaitable(output):
                output = await output
            return wire(output)

    return Tool(
        name=name,
        description=description,
        execute=run,
        validate=validate,
        provider={"openai": dict(definition)},
    )


def _shell_output(output: Any) -> dict[str, Any]:
    if not isinstance(output, ShellCommandOutput):
        output = ShellCommandOutput(stdout=str(output))
    outcome = {"type": "timeout"} if output.timed_out else {"type": "exit", "exit_code": output.exit_code}
    return {"stdout": output.stdout, "stderr": output.stderr, "outcome": outcome}
