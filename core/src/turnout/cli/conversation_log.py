"""The conversation log: every ``turnout run`` in SQLite, so ``turnout logs`` can show it and
``turnout run -c`` / ``--cid ID`` can continue a conversation.

The database is ``$TURNOUT_DATA_DIR/logs.db`` (the user data directory otherwise), created
with mode 0600. It stores what was said — model, runtime, system prompt, the user message
(attachments included), the answer, reasoning, the assistant message with its continuation
state, finish reason and usage — and never configuration, headers or credentials.
``turnout run --no-log`` or ``TURNOUT_LOGS=0`` turns it off.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from turnout.paths import user_data_dir
from turnout.request import Message

__all__ = ["ConversationLog", "LogEntry", "logging_enabled"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    model TEXT NOT NULL,
    runtime TEXT,
    system TEXT NOT NULL,
    prompt TEXT NOT NULL,
    attachments TEXT NOT NULL,
    user_message TEXT NOT NULL,
    response TEXT NOT NULL,
    reasoning TEXT NOT NULL,
    assistant_message TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    usage TEXT
);
CREATE INDEX IF NOT EXISTS responses_conversation ON responses (conversation_id, created_at);
"""


def logging_enabled(env: dict[str, str] | None = None) -> bool:
    """False when ``$TURNOUT_LOGS`` is ``0``, ``false``, ``no`` or ``off``."""
    value = (os.environ if env is None else env).get("TURNOUT_LOGS", "")
    return value.strip().lower() not in {"0", "false", "no", "off"}


def new_id() -> str:
    """A short random id (12 hex digits)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class LogEntry:
    """One prompt and its answer."""

    conversation_id: str
    """The conversation it belongs to."""
    model: str
    """``provider/model``."""
    runtime: str | None
    """The runtime that answered."""
    system: list[str]
    """The system instructions sent."""
    prompt: str
    """The prompt text."""
    attachments: list[str]
    """What was attached (file names or URLs)."""
    user_message: Message
    """The user message as sent (attachments included)."""
    response: str
    """The answer's text."""
    reasoning: str
    """The reasoning text shown by the provider."""
    assistant_message: Message
    """The answer as a message, with continuation state, for ``-c``."""
    finish_reason: str
    """How the answer ended."""
    usage: dict[str, Any] | None = None
    """Token usage, as in the ``finish`` event."""
    id: str = field(default_factory=new_id)
    """This entry's id."""
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    """When it was logged (UTC, ISO 8601)."""

    def summary(self) -> dict[str, Any]:
        """Plain data for ``turnout logs --json``."""
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "created_at": self.created_at,
            "model": self.model,
            "runtime": self.runtime,
            "system": self.system,
            "prompt": self.prompt,
            "attachments": self.attachments,
            "response": self.response,
            "reasoning": self.reasoning,
            "finish_reason": self.finish_reason,
            "usage": self.usage,
        }


class ConversationLog:
    """The SQLite log at ``path`` (default: ``logs.db`` in the user data directory)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or user_data_dir() / "logs.db"
        """The database file."""

    @contextmanager
    def _connect(self, *, create: bool) -> Iterator[sqlite3.Connection | None]:
        if not create and not self.path.exists():
            yield None
            return
        if create and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        with closing(sqlite3.connect(self.path)) as db:
            db.row_factory = sqlite3.Row
            db.executescript(_SCHEMA)
            with db:
                yield db

    def add(self, entry: LogEntry) -> None:
        """Store one entry."""
        with self._connect(create=True) as db:
            assert db is not None
            db.execute(
                "INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.id,
                    entry.conversation_id,
                    entry.created_at,
                    entry.model,
                    entry.runtime,
                    json.dumps(entry.system),
                    entry.prompt,
                    json.dumps(entry.attachments),
                    entry.user_message.model_dump_json(exclude_none=True),
                    entry.response,
                    entry.reasoning,
                    entry.assistant_message.model_dump_json(exclude_none=True),
                    entry.finish_reason,
                    json.dumps(entry.usage) if entry.usage is not None else None,
                ),
            )

    def entries(self, *, conversation: str | None = None, limit: int | None = None) -> list[LogEntry]:
        """Entries oldest first: the last ``limit`` of them, of one conversation or of all."""
        query = "SELECT * FROM responses"
        params: list[Any] = []
        if conversation is not None:
            query += " WHERE conversation_id = ?"
            params.append(conversation)
        query += " ORDER BY created_at DESC, rowid DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._connect(create=False) as db:
            rows = [] if db is None else db.execute(query, params).fetchall()
        return [_entry(row) for row in reversed(rows)]

    def get(self, entry_id: str) -> LogEntry | None:
        """One entry by id."""
        with self._connect(create=False) as db:
            row = None if db is None else db.execute("SELECT * FROM responses WHERE id = ?", (entry_id,)).fetchone()
        return None if row is None else _entry(row)

    def latest_conversation(self) -> str | None:
        """The id of the conversation logged last."""
        latest = self.entries(limit=1)
        return latest[0].conversation_id if latest else None


def _entry(row: sqlite3.Row) -> LogEntry:
    return LogEntry(
        id=row["id"],
        conversation_id=row["conversation_id"],
        created_at=row["created_at"],
        model=row["model"],
        runtime=row["runtime"],
        system=json.loads(row["system"]),
        prompt=row["prompt"],
        attachments=json.loads(row["attachments"]),
        user_message=Message.model_validate_json(row["user_message"]),
        response=row["response"],
        reasoning=row["reasoning"],
        assistant_message=Message.model_validate_json(row["assistant_message"]),
        finish_reason=row["finish_reason"],
        usage=json.loads(row["usage"]) if row["usage"] else None,
    )
