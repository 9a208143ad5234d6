"""The SSH pool's event loop acknowledges every TCP segment it reads at once (TCP_QUICKACK on Linux).

sshd leaves Nagle's algorithm on for sessions without a terminal, so a small message it writes right after
another one waits until that one is acknowledged. With the client's ACK delayed (Linux: 40 ms, as nothing goes
back with it), the answer to each login's session channel open came ~40 ms late: on the fleet, a batch of 5 took
~0.21 s instead of ~0.17 s (bench/fanout.py; the timeline of each connection is in notes/i16fast.md).
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from golive.targets.sshpool import QuickAckLoop, SshPool

QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class _Reader(asyncio.Protocol):
    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.got = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.sock = transport.get_extra_info("socket")
        assert self.sock is not None and QUICKACK is not None
        self.sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 0)  # delayed-ACK ("ping-pong") mode, as after a reply

    def data_received(self, data: bytes) -> None:
        if not self.got.done():
            self.got.set_result(data)


async def _read_once(loop: asyncio.AbstractEventLoop) -> tuple[asyncio.BaseProtocol, int]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-test\r\n")
        await writer.drain()
        await reader.read()  # until the client closes
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, proto = await loop.create_connection(_Reader, "127.0.0.1", port)
    assert isinstance(proto, _Reader)
    assert await asyncio.wait_for(proto.got, 10) == b"SSH-2.0-test\r\n"
    await asyncio.sleep(0)  # the loop is done with the read (the stand-in acts after the protocol)
    assert proto.sock is not None
    mode = proto.sock.getsockopt(socket.IPPROTO_TCP, QUICKACK)
    transport.close()
    server.close()
    await server.wait_closed()
    return proto, mode


@pytest.mark.skipif(QUICKACK is None, reason="TCP_QUICKACK is Linux's")
def test_the_pool_loop_acknowledges_each_read_at_once_and_hands_back_the_callers_protocol() -> None:
    """A connection in delayed-ACK mode reads a message: on the pool's loop it is in quick-ACK mode right after
    (an ACK scheduled is sent at once); the caller gets its own protocol back, not the stand-in."""
    loop = QuickAckLoop()
    try:
        proto, mode = loop.run_until_complete(_read_once(loop))
    finally:
        loop.close()
    assert type(proto) is _Reader
    assert mode == 1


@pytest.mark.skipif(QUICKACK is None, reason="TCP_QUICKACK is Linux's")
def test_the_pool_runs_its_connections_on_the_quick_ack_loop() -> None:
    pool = SshPool()
    try:
        assert isinstance(pool._ensure_loop(), QuickAckLoop)
    finally:
        pool.close()
        assert pool._loop is not None
        pool._loop.call_soon_threadsafe(pool._loop.stop)
