"""Starting the page: a local WSGI server (waitress) on 127.0.0.1 and the browser."""
from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser
from pathlib import Path
from typing import Callable

from .. import messages
from ..errors import UsageError
from .app import create_app, new_state

LOOPBACK = "127.0.0.1"


def check_host(host: str, allow_remote: bool) -> str | None:
    """None for a loopback address; the warning to print for another one (only with allow_remote)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    if not allow_remote:
        raise UsageError(messages.WEB_REMOTE_REFUSED.format(host=host))
    return messages.WEB_REMOTE_WARNING.format(host=host)


def make_server(ledger: str | Path | None, out_dir: str | Path, host: str = LOOPBACK, port: int = 0,
                config: Path | None = None):
    """A waitress server bound to host:port (0 = any free port) and the URL, token included, that opens the page."""
    from waitress.server import create_server

    state = new_state(out_dir, ledger, config)
    app = create_app(state)
    try:
        server = create_server(app, host=host, port=port, threads=4, ident="sasaeai")
    except OSError as exc:
        raise UsageError(messages.WEB_PORT_IN_USE.format(port=port)) from exc
    actual = server.socket.getsockname()[1] if hasattr(server, "socket") else port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return server, f"http://{shown}:{actual}/{state.token}/", state


def serve(ledger: str | Path | None, out_dir: str | Path, *, host: str = LOOPBACK, port: int = 8765,
          allow_remote: bool = False, open_browser: bool = True, echo: Callable[[str], None] = print) -> None:
    """Run the page until Ctrl+C."""
    warning = check_host(host, allow_remote)
    if warning:
        echo(warning)
    server, url, _state = make_server(ledger, out_dir, host, port)
    echo(messages.WEB_STARTED.format(url=url) if open_browser else messages.WEB_NO_BROWSER.format(url=url))
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run()
    finally:
        server.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]
