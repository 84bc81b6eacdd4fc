"""``turnout run`` (stream a prompt) and the runtime options commands share."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError

from turnout.cli.conversation_log import ConversationLog, LogEntry, logging_enabled, new_id
from turnout.cli.defaults import model_ref, model_to_use
from turnout.cli.render import EventPrinter, Spinner, stream_and_print
from turnout.commands import UsageError
from turnout.config import RuntimeFlags, load_config
from turnout.history import AssistantMessageBuilder
from turnout.request import Generation, LLMRequest, MediaPart, Message, Part, TextPart
from turnout.response import Response
from turnout.runtime import Runtime

__all__ = [
    "add_runtime_options",
    "generation_options",
    "metadata_from_args",
    "positive_int",
    "register",
    "runtime_from_args",
]

EXAMPLES = """\
  turnout run -m openai/gpt-4.1-mini "What does a railway turnout do?"
  echo "Why is the sky blue?" | turnout run -m openai/gpt-4.1-mini
  cat notes.txt | turnout run -s "Summarise in three bullets" -
  turnout run -m openai/gpt-4.1-mini -a photo.png "What is in this picture?"
  turnout run -o temperature 0 -o max_tokens 200 -o reasoning_effort low "Explain SSE"
  turnout run -c "Shorter, please"            continue the last conversation
  turnout run --json "hi" | jq -c .           one event per line; the last is finish (or error)"""


def positive_int(value: str) -> int:
    """An argparse type: an integer of 1 or more."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    """``-m MODEL``, ``--native`` / ``--no-native``, ``--metadata``, ``-o KEY VALUE``."""
    parser.add_argument(
        "-m",
        "--model",
        type=model_ref,
        help="provider/model, e.g. openai/gpt-4.1-mini (default: $TURNOUT_MODEL, `turnout models default`, "
        "or the config's default_model)",
    )
    native = parser.add_mutually_exclusive_group()
    native.add_argument(
        "--native", dest="native", action="store_true", default=None, help="turn the native runtime on for this command"
    )
    native.add_argument("--no-native", dest="native", action="store_false", help="turn it off")
    parser.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="request metadata plugins may look at (repeatable)",
    )
    parser.add_argument(
        "-o",
        "--option",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="a generation setting (temperature, top_p, top_k, max_tokens, seed, stop, frequency_penalty, "
        "presence_penalty) or a provider option (e.g. reasoning_effort low); values are read as JSON when "
        "they parse, else as text (repeatable)",
    )


def metadata_from_args(args: argparse.Namespace) -> dict[str, str]:
    """``--metadata KEY=VALUE`` options as a dict (``KEY`` alone means an empty value)."""
    return dict(item.partition("=")[::2] for item in args.metadata)


def runtime_from_args(args: argparse.Namespace, **kwargs: Any) -> Runtime:
    """A ``Runtime`` for the command's ``--config`` and ``--native`` options."""
    return Runtime(native=getattr(args, "native", None), config=args.config, **kwargs)


def register(cli: Any) -> None:
    """Add ``run`` to the CLI."""
    parser = cli.add_command("run", help="stream a prompt through the chosen runtime", handler=_run, examples=EXAMPLES)
    add_runtime_options(parser)
    parser.add_argument("prompt", nargs="?", help="what to ask; '-' or nothing reads it from stdin")
    parser.add_argument("-s", "--system", action="append", default=[], help="a system instruction (repeatable)")
    parser.add_argument(
        "-a", "--attach", action="append", default=[], metavar="FILE|URL", help="attach a file or URL (repeatable)"
    )
    conversation = parser.add_mutually_exclusive_group()
    conversation.add_argument(
        "-c", "--continue", dest="continue_last", action="store_true", help="continue the last conversation"
    )
    conversation.add_argument("--cid", metavar="ID", help="continue the conversation with this id (turnout logs)")
    parser.add_argument("--no-log", action="store_true", help="do not store this exchange in the conversation log")
    parser.add_argument("--json", action="store_true", help="one JSON event per line; the last is finish (or error)")
    parser.add_argument(
        "--max-steps", type=positive_int, default=1, help="provider calls allowed (tool loop), default 1"
    )
    parser.add_argument("--max-tokens", type=positive_int, default=None, help="output token limit")
    parser.add_argument(
        "--record", metavar="CASSETTE", help="also record the exchange to this cassette (replay: turnout replay)"
    )
    parser.add_argument(
        "--schema",
        type=_schema,
        metavar="FILE_OR_JSON",
        help="structured output: a JSON schema (file or text) the answer must match",
    )


def _schema(text: str) -> dict[str, Any]:
    """``--schema``: a JSON file's path, or JSON text."""
    from pathlib import Path

    path = Path(text)
    try:
        raw = path.read_text(encoding="utf-8") if path.is_file() else text
        value = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"--schema needs a JSON schema file or JSON text: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--schema needs a JSON object (a schema, or {name, schema, strict})")
    return value


def read_prompt(prompt: str | None) -> str:
    """The prompt: the argument, or stdin when it is ``-`` or missing and stdin is not a terminal."""
    if prompt is not None and prompt != "-":
        return prompt
    if prompt is None and sys.stdin.isatty():
        raise UsageError("no prompt: give one as an argument, or pipe it on stdin (`echo hi | turnout run -m M`)")
    text = sys.stdin.read()
    if not text.strip():
        raise UsageError("the prompt read from stdin is empty")
    return text


def generation_options(
    options: list[list[str]], max_tokens: int | None, provider: str
) -> tuple[Generation, dict[str, Any]]:
    """``-o KEY VALUE`` pairs split into generation settings and provider options."""
    settings: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
    provider_options: dict[str, Any] = {}
    for key, raw in options:
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        name = key.replace("-", "_")
        if name in Generation.model_fields:
            settings[name] = [value] if name == "stop" and isinstance(value, str) else value
        else:
            provider_options[key] = value
    try:
        generation = Generation(**settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"-o {first['loc'][0]}: {first['msg']} (got {first.get('input')!r})") from None
    return generation, ({provider: provider_options} if provider_options else {})


def attachment(spec: str) -> MediaPart:
    """``-a FILE|URL`` as a media part (a URL is downloaded now)."""
    import base64
    import mimetypes
    from pathlib import Path

    if spec.startswith(("http://", "https://")):
        import httpx2

        from turnout.errors import TransportError

        try:
            response = httpx2.get(spec, follow_redirects=True, timeout=30.0)
            response.raise_for_status()
        except httpx2.HTTPError as exc:
            raise TransportError(f"cannot download the attachment: {exc}", url=spec) from None
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        content, name = response.content, spec.rstrip("/").rsplit("/", 1)[-1]
    else:
        path = Path(spec)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the attachment {spec!r}: {exc.strerror}") from None
        media_type, name = "", path.name
    media_type = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return MediaPart(media_type=media_type, data=base64.b64encode(content).decode("ascii"), filename=name or None)


def _conversation(args: argparse.Namespace, log: ConversationLog) -> tuple[str, list[LogEntry]]:
    if args.cid:
        earlier = log.entries(conversation=args.cid)
        if not earlier:
            raise UsageError(f"no conversation {args.cid!r} in the log {log.path} (`turnout logs` lists them)")
        return args.cid, earlier
    if args.continue_last:
        latest = log.latest_conversation()
        if latest is None:
            raise UsageError(f"-c: the conversation log {log.path} is empty; start one without -c")
        return latest, log.entries(conversation=latest)
    return new_id(), []


def _run(args: argparse.Namespace) -> int:
    log = ConversationLog()
    conversation_id, earlier = _conversation(args, log)
    config = load_config(args.config)
    model = model_to_use(args.model or (earlier[-1].model if earlier else None), config)
    text = read_prompt(args.prompt)
    parts: list[Part] = [TextPart(text=text), *(attachment(spec) for spec in args.attach)]
    message = Message(role="user", content=parts)
    history: list[Message] = [m for entry in earlier for m in (entry.user_message, entry.assistant_message)]
    generation, provider_options = generation_options(args.option, args.max_tokens, model.partition("/")[0])
    request = LLMRequest(
        model=model,
        system=args.system or (earlier[0].system if earlier else []),
        messages=[*history, message],
        generation=generation,
        provider_options=provider_options,
        metadata=metadata_from_args(args),
        response_format=args.schema,
    )
    transport = None
    if args.record:
        from turnout.cli.replay import recording_metadata
        from turnout.testing.cassette import CassetteTransport

        native = RuntimeFlags.resolve(config, args.native).native
        metadata = recording_metadata(request, config.resolve(model), native=native, max_steps=args.max_steps)
        transport = CassetteTransport(args.record, "record", metadata=metadata)
    runtime = Runtime(native=args.native, config=config, transport=transport)
    args.printer = printer = EventPrinter(as_json=args.json)
    spinner = None if args.json else Spinner(f"waiting for {model}…")
    outcome = stream_and_print(runtime, request, max_steps=args.max_steps, printer=printer, spinner=spinner)
    response = Response.from_events(outcome.events, runtime=outcome.runtime)
    logged = not args.no_log and logging_enabled()
    if logged:
        builder = AssistantMessageBuilder()
        for event in outcome.events:
            builder.add(event)
        log.add(
            LogEntry(
                conversation_id=conversation_id,
                model=model,
                runtime=outcome.runtime,
                system=request.system,
                prompt=text,
                attachments=list(args.attach),
                user_message=message,
                response=response.text,
                reasoning=response.reasoning,
                assistant_message=builder.message(),
                finish_reason=response.finish_reason,
                usage=response.usage.model_dump(mode="json", exclude_none=True) if response.usage else None,
            )
        )
    where = f" · conversation {conversation_id}" if logged else ""
    print(f"[{model} via {outcome.runtime or 'no runtime'}{where}]", file=sys.stderr)
    return outcome.exit_code
