"""HTTP POST with a wall-clock deadline on the whole exchange.

``requests``' ``timeout`` bounds each socket operation, not the request: a server that
sends one header line every 20 s, or trickles the body, never trips it. Here every socket
a request opens is registered with a watchdog timer that shuts it down at the deadline,
which wakes the blocked read; the body is read in chunks against the same clock. Host
names that cannot be resolved are told apart from other connection failures, so a caller
can give up at once instead of retrying.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

#: Chunk size of body reads (bytes).
_CHUNK = 1 << 16

_local = threading.local()


class DeadlineExceeded(Exception):
    """The whole exchange did not finish before its deadline."""


class NameNotResolved(Exception):
    """The server's host name (or the proxy's) cannot be resolved."""


@dataclass
class Answer:
    """Status, reason and complete body of one HTTP response."""

    status: int
    reason: str
    body: bytes


class _Watch:
    """Sockets opened for one request, shut down together when its deadline passes."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.fired = False
        self.lock = threading.Lock()

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            self.sockets.append(sock)
            fired = self.fired
        if fired:
            _shutdown(sock)

    def fire(self) -> None:
        with self.lock:
            self.fired = True
            socks = list(self.sockets)
        for sock in socks:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _Watched:
    """Registers each new socket with the current request's watch (if there is one)."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]  # a mixin: the connection class connects
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.add(self.sock)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """An adapter whose connections (direct or through a proxy) join the current watch."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def _is_name_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return True
        stack.extend([e.__cause__, e.__context__])
        stack.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
        stack.append(getattr(e, "reason", None))
    return False


def post_with_deadline(
    url: str, data: dict[str, str], deadline_s: float, headers: dict[str, str]
) -> Answer:
    """POST ``data`` to ``url`` and read the whole answer within ``deadline_s`` seconds.

    Raises
    ------
    DeadlineExceeded
        The answer was not complete in time (however slowly the server trickled it).
    NameNotResolved
        The host name cannot be resolved (retrying will not help).
    requests.RequestException
        Any other connection failure.
    """
    start = time.monotonic()
    watch = _Watch()
    timer = threading.Timer(deadline_s, watch.fire)
    timer.daemon = True
    _local.watch = watch
    timer.start()
    try:
        with requests.Session() as session:
            adapter = _WatchedAdapter()
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            try:
                resp = session.post(
                    url, data=data, headers=headers, timeout=deadline_s, stream=True
                )
                with resp:
                    chunks = []
                    for chunk in resp.iter_content(_CHUNK):
                        chunks.append(chunk)
                        if time.monotonic() - start > deadline_s:
                            raise DeadlineExceeded(f"no complete answer within {deadline_s:g} s")
                    body = b"".join(chunks)
            except requests.RequestException as exc:
                if watch.fired or time.monotonic() - start > deadline_s:
                    raise DeadlineExceeded(f"no complete answer within {deadline_s:g} s") from exc
                if _is_name_error(exc):
                    raise NameNotResolved(str(exc)) from exc
                raise
        if watch.fired:
            raise DeadlineExceeded(f"no complete answer within {deadline_s:g} s")
        return Answer(resp.status_code, str(resp.reason or ""), body)
    finally:
        timer.cancel()
        _local.watch = None
