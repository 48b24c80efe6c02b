"""Loopback SMTP servers that misbehave on request, for the `send` tests and the benchmark.

`Server` is an aiosmtpd server that records what it accepted. `Proxy` sits
in front of it on 127.0.0.1 and injects faults that aiosmtpd cannot:
a connection cut after the final "." once the server has queued the
message, a server that never answers after ".", and a server that accepts
the connection but never greets. Everything binds to 127.0.0.1 only.
"""
from __future__ import annotations

import email
import hashlib
import socket
import threading
from collections import Counter
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A loopback SMTP server that records messages and misbehaves on request."""

    def __init__(self, port=None, password=None, tls_context=None):
        self.port = port or free_port()
        self.messages = []
        self.raw = []
        self.data_replies = []          # replies to give to the next DATA commands instead of 250
        self.refuse = set()             # recipients answered with 550
        self.refuse_sender = False      # MAIL FROM answered with 550
        self.logins = 0
        self.on_message = None
        kwargs = {}
        if password is not None:
            kwargs |= {"authenticator": self._authenticate, "auth_require_tls": False}
        if tls_context is not None:
            kwargs |= {"tls_context": tls_context, "require_starttls": True}
        self.password = password
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins += 1
        ok = getattr(auth_data, "password", b"") == self.password.encode()
        return AuthResult(success=ok, handled=False)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return "550 5.7.1 Sender not allowed"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        self.raw.append(envelope.content)
        if self.on_message:
            self.on_message(len(self.messages))
        return "250 2.0.0 OK"

    def letters(self) -> Counter:
        """How many messages each letter (meeting ID / member ID) got."""
        return Counter(m["X-Sasaeai-Letter"] for m in self.messages)

    def versions(self) -> Counter:
        """How many messages each (letter, attachment sha256) got: deliveries per version."""
        out = Counter()
        for m in self.messages:
            attachment = next(m.iter_attachments()).get_content()
            out[(m["X-Sasaeai-Letter"], hashlib.sha256(attachment).hexdigest())] += 1
        return out

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class Proxy:
    """A TCP relay on 127.0.0.1 in front of `upstream`, with faults for the next messages.

    fault:
      "drop_after_dot"  : forward the final ".", let the server answer, then cut the client off
      "silent_after_dot": forward the final ".", swallow the answer and every byte after it
      "hang"            : accept connections and never say anything
    `times` is how many messages the fault hits (then the relay is transparent).
    """

    def __init__(self, upstream_port: int, fault: str = "", times: int = 1):
        self.upstream_port = upstream_port
        self.fault, self.times = fault, times
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.closed = False
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _take_fault(self, name: str) -> bool:
        with self._lock:
            if self.fault == name and self.times > 0:
                self.times -= 1
                return True
            return False

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(client)
            if self.fault == "hang":
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._open.append(upstream)
            state = {"swallow": False, "cut": False}
            threading.Thread(target=self._client_to_server, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(upstream, client, state), daemon=True).start()

    def _client_to_server(self, client, upstream, state):
        seen = b""
        in_data = False
        try:
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    break
                seen = (seen + chunk)[-65536:]
                if not in_data and b"DATA\r\n" in seen.upper():
                    in_data = True
                    seen = seen[seen.upper().rindex(b"DATA\r\n") + 6:]
                if in_data and b"\r\n.\r\n" in seen:
                    in_data = False
                    seen = b""
                    for fault in ("drop_after_dot", "silent_after_dot"):
                        if self._take_fault(fault):
                            state["swallow"] = True
                            state["cut"] = fault == "drop_after_dot"
                upstream.sendall(chunk)
        except OSError:
            pass

    def _server_to_client(self, upstream, client, state):
        try:
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                if state["swallow"]:
                    if state["cut"]:
                        client.shutdown(socket.SHUT_RDWR)
                        client.close()
                        upstream.close()
                        return
                    continue       # silent: the server's answer never reaches the client
                client.sendall(chunk)
        except OSError:
            pass

    def close(self):
        self.closed = True
        self.sock.close()
        for s in self._open:
            try:
                s.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
