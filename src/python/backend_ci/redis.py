"""A minimal Redis client (RESP2 over a socket, standard library): enough for readiness (PING,
AUTH, INFO) and per-worker database checks (SELECT, INFO keyspace, CONFIG GET databases)."""

from __future__ import annotations

import socket
import ssl
from typing import Dict, List, Optional, Union
from urllib.parse import unquote, urlsplit

from backend_ci import urls

Reply = Union[None, int, bytes, List["Reply"]]


class RedisError(RuntimeError):
    """An error reply from the server (``-ERR ...``)."""


class Redis:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        host, port = urls.host_port(url, 6379)
        self.db = urls.redis_db(url)
        sock = socket.create_connection((host or "localhost", port), timeout=timeout)
        if parts.scheme == "rediss":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.buffer = b""
        try:
            if parts.password:
                user = unquote(parts.username) if parts.username else None
                password = unquote(parts.password)
                self.command(*(["AUTH", user, password] if user else ["AUTH", password]))
            if self.db:
                self.command("SELECT", str(self.db))
        except Exception:
            self.close()
            raise

    def __enter__(self) -> "Redis":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def command(self, *args: str) -> Reply:
        payload = b"*%d\r\n" % len(args)
        for arg in args:
            data = arg.encode("utf-8")
            payload += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(payload)
        return self._reply()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, size: int) -> bytes:
        while len(self.buffer) < size + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
        return data

    def _reply(self) -> Reply:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._exact(size)
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self._reply() for _ in range(count)]
        raise RedisError(f"unexpected reply {line[:40]!r}")

    def info(self, section: str) -> Dict[str, str]:
        raw = self.command("INFO", section)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
        out: Dict[str, str] = {}
        for line in text.splitlines():
            if ":" in line and not line.startswith("#"):
                key, value = line.split(":", 1)
                out[key.strip()] = value.strip()
        return out

    def keyspace(self) -> Dict[int, int]:
        """Keys per database number (databases without keys are absent)."""
        out: Dict[int, int] = {}
        for key, value in self.info("keyspace").items():
            if key.startswith("db") and key[2:].isdigit():
                fields = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
                out[int(key[2:])] = int(fields.get("keys", "0"))
        return out

    def databases(self) -> Optional[int]:
        """The server's `databases` setting; None when CONFIG is not allowed (managed servers)."""
        try:
            reply = self.command("CONFIG", "GET", "databases")
        except RedisError:
            return None
        if isinstance(reply, list) and len(reply) == 2 and isinstance(reply[1], bytes):
            return int(reply[1])
        return None

    def can_select(self, db: int) -> bool:
        try:
            self.command("SELECT", str(db))
            return True
        except RedisError:
            return False
        finally:
            try:
                self.command("SELECT", str(self.db))
            except RedisError:
                pass
