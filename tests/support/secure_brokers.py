"""Brokers that require TLS, mutual TLS or SASL, built around the embedded broker.

The embedded broker (tansu 0.6.0) can do neither itself: `--cert`/`--key` are accepted but
never used (tansu-broker/src/broker.rs at tag v0.6.0, line 268: the TLS acceptor is built
and dropped, the listener stays plain TCP), and `--authentication` refuses every client
(see tests/support/sasl_terminator.py). So each secured broker here is a tansu process whose
advertised listener is the address of a terminator in front of it:

- TLS: stunnel (Debian's stunnel4, installed by .ci/install-tls-terminator), a real TLS
  server independent of this project; with `requireCert` it demands a client certificate
  signed by the test CA (mutual TLS).
- SASL: `SaslTerminator` (PLAIN, SCRAM-SHA-256/512 through scramp, OAUTHBEARER).
- SASL over TLS: stunnel, then the SASL terminator, then tansu.

Certificates come from `trustme` (a CA, a server certificate for `localhost`, a client
certificate), written to a temporary folder at test time; no private key is committed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from app.broker import EmbeddedBroker, free_port
from tests.support.sasl_terminator import SaslTerminator, SaslUsers

USER, PASSWORD = "lineage", "s3cret-pw"
BEARER_TOKEN = "test-bearer-token-7f3c"
SERVER_NAME = "localhost"


def stunnel_binary() -> str | None:
    return shutil.which("stunnel4") or shutil.which("stunnel")


def missing_tls_terminator_reason() -> str | None:
    """Why the TLS brokers cannot be made here, or None when they can."""
    if stunnel_binary() is None:
        return "stunnel is not installed (bash .ci/install-tls-terminator installs Debian's stunnel4)"
    return None


@dataclass(frozen=True)
class Certificates:
    """A test CA, a server certificate for `localhost` and a client certificate, as PEM files."""

    folder: Path
    ca_file: Path
    server_pem: Path
    client_cert: Path
    client_key: Path
    other_ca_file: Path
    """A CA that signed nothing here: trusting only it must fail."""

    @classmethod
    def make(cls, folder: Path) -> Certificates:
        folder.mkdir(parents=True, exist_ok=True)
        ca, other = trustme.CA(), trustme.CA()
        server = ca.issue_cert(SERVER_NAME)
        client = ca.issue_cert("lineage-client.test", common_name="lineage-client")
        files = cls(
            folder=folder,
            ca_file=folder / "ca.pem",
            server_pem=folder / "server.pem",
            client_cert=folder / "client-cert.pem",
            client_key=folder / "client-key.pem",
            other_ca_file=folder / "other-ca.pem",
        )
        ca.cert_pem.write_to_path(str(files.ca_file))
        other.cert_pem.write_to_path(str(files.other_ca_file))
        server.private_key_and_cert_chain_pem.write_to_path(str(files.server_pem))
        client.cert_chain_pems[0].write_to_path(str(files.client_cert))
        client.private_key_pem.write_to_path(str(files.client_key))
        for path in (files.server_pem, files.client_key):
            path.chmod(0o600)
        return files


@dataclass
class SecureBroker:
    """A broker that requires what `env` configures; `bootstrap` is where clients connect."""

    name: str
    bootstrap: str
    env: dict[str, str]
    """LINEAGE_* variables a client of this broker needs (with the right credentials)."""
    certificates: Certificates | None = None
    sasl: SaslTerminator | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}"

    def env_with(self, **changes: str | None) -> dict[str, str]:
        """`env` with some LINEAGE_KAFKA_* variables changed (None removes one)."""
        env = dict(self.env)
        for key, value in changes.items():
            name = f"LINEAGE_KAFKA_{key.upper()}"
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env


class Stunnel:
    """stunnel in the foreground: TLS on `accept`, plain TCP to `connect`."""

    def __init__(self, folder: Path, accept: int, connect: int, certs: Certificates, *, mutual: bool) -> None:
        self.config = folder / f"stunnel-{accept}.conf"
        self.log = folder / f"stunnel-{accept}.log"
        lines = [
            "foreground = yes",
            "pid =",
            f"output = {self.log}",
            "debug = notice",
            "[kafka]",
            f"accept = 127.0.0.1:{accept}",
            f"connect = 127.0.0.1:{connect}",
            f"cert = {certs.server_pem}",
        ]
        if mutual:
            lines += [f"CAfile = {certs.ca_file}", "verifyChain = yes", "requireCert = yes"]
        self.config.write_text("\n".join(lines) + "\n")
        self.accept = accept
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Stunnel:
        binary = stunnel_binary()
        assert binary is not None, missing_tls_terminator_reason()
        self.process = subprocess.Popen(
            [binary, str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"stunnel exited: {self.log.read_text() if self.log.exists() else ''}")
            try:
                with socket.create_connection(("127.0.0.1", self.accept), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"stunnel did not listen on {self.accept}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _tansu(stack: ExitStack, folder: Path, advertised_port: int) -> EmbeddedBroker:
    broker = EmbeddedBroker(port=free_port(), advertised=f"{SERVER_NAME}:{advertised_port}")
    broker.start(log_path=str(folder / f"tansu-{broker.port}.log"))
    stack.callback(broker.stop)
    return broker


def _sasl_env(mechanism: str = "SCRAM-SHA-512") -> dict[str, str]:
    return {
        "LINEAGE_KAFKA_SASL_MECHANISM": mechanism,
        "LINEAGE_KAFKA_SASL_USERNAME": USER,
        "LINEAGE_KAFKA_SASL_PASSWORD": PASSWORD,
    }


def _users() -> SaslUsers:
    return SaslUsers(passwords={USER: PASSWORD}, bearer_tokens={BEARER_TOKEN})


@contextmanager
def sasl_broker(folder: Path) -> Iterator[SecureBroker]:
    """SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER are offered; no
    request reaches the broker before the client authenticated."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        port = free_port()
        tansu = _tansu(stack, folder, port)
        terminator = SaslTerminator(("127.0.0.1", tansu.port), _users()).start(port)
        stack.callback(terminator.stop)
        env = {
            "LINEAGE_BROKER": f"kafka://{SERVER_NAME}:{port}",
            "LINEAGE_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            **_sasl_env(),
        }
        yield SecureBroker("sasl", f"{SERVER_NAME}:{port}", env, sasl=terminator)


@contextmanager
def tls_broker(folder: Path, *, mutual: bool) -> Iterator[SecureBroker]:
    """SSL through stunnel; `mutual` demands a client certificate signed by the test CA."""
    folder.mkdir(parents=True, exist_ok=True)
    certs = Certificates.make(folder / "certs")
    with ExitStack() as stack:
        port = free_port()
        tansu = _tansu(stack, folder, port)
        tunnel = Stunnel(folder, port, tansu.port, certs, mutual=mutual).start()
        stack.callback(tunnel.stop)
        env = {
            "LINEAGE_BROKER": f"kafka+ssl://{SERVER_NAME}:{port}",
            "LINEAGE_KAFKA_SSL_CAFILE": str(certs.ca_file),
        }
        if mutual:
            env["LINEAGE_KAFKA_SSL_CERTFILE"] = str(certs.client_cert)
            env["LINEAGE_KAFKA_SSL_KEYFILE"] = str(certs.client_key)
        yield SecureBroker(
            "mtls" if mutual else "tls", f"{SERVER_NAME}:{port}", env, certs, logs=[tunnel.log]
        )


@contextmanager
def sasl_ssl_broker(folder: Path) -> Iterator[SecureBroker]:
    """SASL_SSL: TLS (stunnel), then SASL (the terminator), then the broker."""
    folder.mkdir(parents=True, exist_ok=True)
    certs = Certificates.make(folder / "certs")
    with ExitStack() as stack:
        port = free_port()
        tansu = _tansu(stack, folder, port)
        terminator = SaslTerminator(("127.0.0.1", tansu.port), _users()).start()
        stack.callback(terminator.stop)
        tunnel = Stunnel(folder, port, terminator.port, certs, mutual=False).start()
        stack.callback(tunnel.stop)
        env = {
            "LINEAGE_BROKER": f"kafka://{SERVER_NAME}:{port}",
            "LINEAGE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "LINEAGE_KAFKA_SSL_CAFILE": str(certs.ca_file),
            **_sasl_env("SCRAM-SHA-256"),
        }
        yield SecureBroker(
            "sasl_ssl", f"{SERVER_NAME}:{port}", env, certs, sasl=terminator, logs=[tunnel.log]
        )


def client_env(env: dict[str, str]) -> dict[str, str]:
    """The process environment for a CLI or worker subprocess of a secure broker's test."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
    return {**base, **env}
