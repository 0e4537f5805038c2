"""Who may talk to the engine: a bearer token for every endpoint but health, and no foreign browsers.

A web page the user happens to visit must not drive the local engine: any request (HTTP or
WebSocket) carrying an ``Origin`` header that is not the engine's own is refused before routing.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_FILE = "token"


def write_token(data_dir: Path) -> str:
    """Create a fresh random token in ``data_dir/token`` (mode 0600, written atomically)."""
    token = secrets.token_urlsafe(32)
    path = data_dir / TOKEN_FILE
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token


def token_matches(header: str | None, token: str) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    return secrets.compare_digest(header[len("Bearer "):].strip(), token)


class OriginGuard:
    """ASGI middleware refusing requests whose Origin is not one of ``allowed`` (403 / WS close)."""

    def __init__(self, app: ASGIApp, allowed: set[str]):
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            origin = dict(scope["headers"]).get(b"origin")
            if origin is not None and origin.decode("latin-1").rstrip("/") not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 4403, "reason": "origin not allowed"})
                    return
                body = json.dumps({"detail": "requests from web pages of other origins are refused"})
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body.encode()})
                return
        await self.app(scope, receive, send)


def allowed_origins(host: str, port: int) -> set[str]:
    hosts = {host, "127.0.0.1", "localhost", "[::1]"} if host in ("127.0.0.1", "localhost", "::1") else {host}
    return {f"http://{h}:{port}" for h in hosts}
