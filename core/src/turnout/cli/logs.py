"""``turnout logs``: list and show the conversation log (see ``conversation_log``)."""

from __future__ import annotations

import argparse
from typing import Any

from turnout.cli.conversation_log import ConversationLog, LogEntry
from turnout.cli.render import print_json
from turnout.commands import UsageError

__all__ = ["register"]

EXAMPLES = """\
  turnout logs                    the last 10 exchanges, one line each
  turnout logs -n 50 --json
  turnout logs --cid 3f2a9c1b7d40 the whole conversation
  turnout logs 5be1c0a2d9f3       one exchange in full
  turnout logs --path             where the log is"""


def register(cli: Any) -> None:
    """Add ``logs``."""
    parser = cli.add_command("logs", help="list and show past prompts and responses", handler=_logs, examples=EXAMPLES)
    parser.add_argument("id", nargs="?", help="show this exchange (or conversation) in full")
    parser.add_argument("-n", "--count", type=int, default=10, help="how many to list (0: all), default 10")
    parser.add_argument("--cid", metavar="ID", help="only this conversation, in full")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--path", action="store_true", help="print the log database's path")


def _logs(args: argparse.Namespace) -> int:
    log = ConversationLog()
    if args.path:
        print(log.path)
        return 0
    if args.id:
        entry = log.get(args.id)
        entries = [entry] if entry is not None else log.entries(conversation=args.id)
        if not entries:
            raise UsageError(f"no exchange or conversation {args.id!r} in {log.path} (`turnout logs` lists them)")
    else:
        entries = log.entries(conversation=args.cid, limit=None if args.cid or args.count <= 0 else args.count)
    if args.json:
        print_json([entry.summary() for entry in entries])
    elif args.id or args.cid:
        for entry in entries:
            _show(entry)
    elif not entries:
        print(f"no exchanges logged yet ({log.path})")
    else:
        for entry in entries:
            print(
                f"{entry.id}  {entry.created_at}  {entry.conversation_id}  {entry.model}  "
                f"{_excerpt(entry.prompt)} → {_excerpt(entry.response)}"
            )
    return 0


def _excerpt(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def _show(entry: LogEntry) -> None:
    print(f"## {entry.id} · {entry.created_at} · {entry.model} via {entry.runtime or '?'} · {entry.conversation_id}")
    for line in entry.system:
        print(f"system: {line}")
    print(f"\n{entry.prompt}\n")
    for name in entry.attachments:
        print(f"attached: {name}")
    if entry.reasoning:
        print(f"(reasoning) {entry.reasoning}\n")
    print(entry.response)
    usage = entry.usage or {}
    print(
        f"\n[finish: {entry.finish_reason}] tokens in {usage.get('input_tokens', '?')}, "
        f"out {usage.get('output_tokens', '?')}\n"
    )
