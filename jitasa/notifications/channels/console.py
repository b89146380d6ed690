"""The development channel: messages go to the log and to a JSON-lines file, never to a phone."""

import asyncio
import json
from pathlib import Path

import structlog

from jitasa.core.db import utcnow

log = structlog.get_logger(__name__)

MESSAGES_FILE = "console-messages.jsonl"


class ConsoleChannel:
    """Writes each message to the log and appends it to `<data_dir>/console-messages.jsonl`.

    Without an SMS provider, this is how a developer, a test or a `jitasa demo` user reads a code.
    """

    name = "console"

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / MESSAGES_FILE

    async def send(self, *, to: str, text: str) -> None:
        """Log the message and append it as one JSON line {to, text, at}."""
        log.info("console_message", to=to, text=text)
        line = json.dumps({"to": to, "text": text, "at": utcnow().isoformat()}, ensure_ascii=False)
        await asyncio.to_thread(self._append, line)

    async def deliver(self, *, to: str, text: str, key: str | None = None) -> None:
        """Deliver a notification: written like any message (it fails only on a full disk)."""
        await self.send(to=to, text=text)

    def _append(self, line: str) -> None:
        """Append one line with a single write, so that concurrent senders never interleave."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as messages:
            messages.write(line + "\n")

    async def aclose(self) -> None:
        """Release nothing: the file is opened per message."""
