"""A scripted OpenAI-compatible chat server: real HTTP, canned replies in order, every request kept.

Tests of the LLM mode talk to it over a socket exactly as they would to vLLM
or Ollama, so the whole client stack (langchain-openai → openai → httpx) is
exercised and nothing of ours is mocked.  It knows nothing about budgetqa: it
plays back a list of responses and records what it was sent.  Several
conversations at once are scripted per question, so each gets its own replies
in its own order whatever the threads' timing.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Lock, Thread
from typing import Any

CHAT_PATH = "/v1/chat/completions"
_call_ids = itertools.count(1)


@dataclass(frozen=True)
class Canned:
    """One HTTP response to play back; ``delay`` seconds pass before it is sent."""

    status: int
    body: bytes
    delay: float = 0.0


def reply(content: str | None = None, tool_calls: list[tuple[str, dict[str, Any] | str]] | None = None,
          delay: float = 0.0) -> Canned:
    """A chat.completion whose assistant message has ``content`` and/or ``tool_calls`` (name, args).

    ``args`` is a dict sent as JSON, or a string sent as the arguments text
    exactly (for arguments that are not a JSON object).
    """
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{next(_call_ids)}", "type": "function",
             "function": {"name": name, "arguments": _arguments(args)}}
            for name, args in tool_calls
        ]
    body = {
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    return Canned(200, json.dumps(body, ensure_ascii=False).encode(), delay)


def _arguments(args: dict[str, Any] | str) -> str:
    return args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)


class ScriptedServer:
    """Serves ``POST /v1/chat/completions`` from a script on 127.0.0.1 (a free port).

    Use as a context manager; ``base_url`` is what a client configures and
    ``requests`` holds each request body (parsed JSON) in arrival order.  The
    script is one list of responses, or a dict of lists keyed by question (the
    request's last user message).  When a script runs out the server answers
    HTTP 500, so a client asking more than the test expected fails loudly.
    """

    def __init__(self, script: list[Canned] | dict[str, list[Canned]]) -> None:
        self.scripts = {q: list(s) for q, s in script.items()} if isinstance(script, dict) else None
        self.script = [] if isinstance(script, dict) else list(script)
        self.requests: list[dict[str, Any]] = []
        self._lock = Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.scripted = self  # type: ignore[attr-defined]
        self._thread = Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def next_response(self, request: dict[str, Any]) -> Canned:
        """Record the request and take the next scripted response (for its question, when scripted so)."""
        with self._lock:
            self.requests.append(request)
            script = self.script
            if self.scripts is not None:
                question = [m["content"] for m in request["messages"] if m["role"] == "user"][-1]
                script = self.scripts.get(question, [])
            if script:
                return script.pop(0)
        return Canned(500, json.dumps({"error": {"message": "script exhausted"}}).encode())

    def asked(self, question: str) -> int:
        """How many requests so far carried ``question`` as their last user message."""
        with self._lock:
            return sum(1 for r in self.requests
                       if [m["content"] for m in r["messages"] if m["role"] == "user"][-1:] == [question])

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != CHAT_PATH:
            self._send(Canned(404, b'{"error": {"message": "not found"}}'))
            return
        self._send(self.server.scripted.next_response(json.loads(body)))  # type: ignore[attr-defined]

    def _send(self, canned: Canned) -> None:
        time.sleep(canned.delay)
        try:
            self.send_response(canned.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(canned.body)))
            self.end_headers()
            self.wfile.write(canned.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""
