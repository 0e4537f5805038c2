"""``noiseloom-engine``: start the engine server.

``noiseloom-engine serve [--host 127.0.0.1] [--port 0] [--data-dir DIR] [--devices auto|cpu:N|cuda:0,1]``
prints ``NOISELOOM_ENGINE_URL=<url>`` once it accepts requests and writes its token to
``DATA_DIR/token`` (mode 0600).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import socket
import sys
from pathlib import Path

import uvicorn

from engine.plugins import register_enabled_job_kinds
from engine.server.app import EngineConfig, create_app
from engine.server.security import write_token
from engine.workers.devices import DeviceSpecError, discover

URL_PREFIX = "NOISELOOM_ENGINE_URL="


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "noiseloom" / "engine"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


async def _serve(config: EngineConfig, sock: socket.socket) -> None:
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", lifespan="on",
                                           ws="websockets-sansio", timeout_graceful_shutdown=3))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        host = f"[{config.host}]" if ":" in config.host else config.host
        print(f"{URL_PREFIX}http://{host}:{config.port}", flush=True)
    await task


def serve(args: argparse.Namespace) -> int:
    if not is_loopback(args.host) and not args.allow_remote:
        print(f"error: --host {args.host} is not a loopback address; add --allow-remote to accept "
              "connections from other machines (they still need the token)", file=sys.stderr)
        return 2
    try:
        devices = discover(args.devices)
    except DeviceSpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_dir = Path(args.data_dir or default_data_dir()).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    register_enabled_job_kinds()
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    config = EngineConfig(data_dir=data_dir, token=write_token(data_dir), devices=devices, host=args.host,
                          port=sock.getsockname()[1], cancel_grace_s=args.cancel_grace)
    asyncio.run(_serve(config, sock))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="noiseloom-engine", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="start the engine server")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=0, help="0 picks a free port")
    run.add_argument("--data-dir", default=None, help=f"default: {default_data_dir()}")
    run.add_argument("--devices", default="auto", help="auto, cpu, cpu:N or cuda:0,1")
    run.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    run.add_argument("--cancel-grace", type=float, default=5.0,
                     help="seconds a canceled job may take to stop before its worker is killed")
    run.set_defaults(func=serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
