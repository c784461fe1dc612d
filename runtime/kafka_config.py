"""How to reach a Kafka cluster: its bootstrap servers, TLS and SASL, for each client library.

`KafkaConnection` is the one description of a connection; every client the service and its
command line make (aiokafka producers, consumers and admin clients; kafka-python's) takes
its keyword arguments from `aiokafka_kwargs()` or `kafka_python_kwargs()`, so they all
connect the same way. Nothing here reads a file or the network when imported; the SSL
context and the password file are read when a client's arguments are asked for, so a
rotated password file or certificate is picked up by the next client made.

Secrets stay out of logs: the password is a `SecretStr`, the repr shows none of it, and
`describe()` gives a one-line summary safe to log.

OAUTHBEARER: the bearer token is the SASL password (`sasl_password`) or the contents of
`sasl_password_file`, read again each time a connection authenticates, so a sidecar that
refreshes the file (a Kubernetes projected token, an OIDC agent) keeps the service
connected. Fetching tokens from an OAuth server is not built in.
"""

from __future__ import annotations

import ssl
from enum import StrEnum
from pathlib import Path
from typing import Any

from aiokafka.abc import AbstractTokenProvider as AIOKafkaTokenProvider
from kafka.net.sasl.oauth import AbstractTokenProvider as KafkaPythonTokenProvider
from pydantic import BaseModel, ConfigDict, SecretStr


class SecurityProtocol(StrEnum):
    """Kafka's `security.protocol`: whether the connection is encrypted and authenticated."""

    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"

    @property
    def uses_tls(self) -> bool:
        return self in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL)

    @property
    def uses_sasl(self) -> bool:
        return self in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL)


class SaslMechanism(StrEnum):
    """Kafka's `sasl.mechanism` values this service supports."""

    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"
    OAUTHBEARER = "OAUTHBEARER"

    @property
    def needs_username(self) -> bool:
        return self is not SaslMechanism.OAUTHBEARER


class KafkaConnection(BaseModel):
    """Bootstrap servers plus the TLS and SASL settings every client of one cluster shares."""

    model_config = ConfigDict(frozen=True)

    bootstrap_servers: tuple[str, ...]
    security_protocol: SecurityProtocol = SecurityProtocol.PLAINTEXT
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_check_hostname: bool = True

    def __repr__(self) -> str:
        return f"KafkaConnection({self.describe()})"

    __str__ = __repr__

    def describe(self) -> str:
        """One line for a log: servers, protocol, mechanism and user; never a secret."""
        parts = [",".join(self.bootstrap_servers), self.security_protocol.value]
        if self.security_protocol.uses_sasl and self.sasl_mechanism is not None:
            who = f" as {self.sasl_username}" if self.sasl_username else ""
            parts.append(f"{self.sasl_mechanism.value}{who}")
        if self.security_protocol.uses_tls:
            parts.append("client certificate" if self.ssl_certfile else "no client certificate")
            if not self.ssl_check_hostname:
                parts.append("hostname not checked")
        return " ".join(parts)

    def read_password(self) -> str | None:
        """The SASL password (or OAUTHBEARER token): the file's contents when a file is named.

        The file is read on every call; one trailing line ending is not part of the password.
        """
        if self.sasl_password_file is not None:
            text = self.sasl_password_file.read_text(encoding="utf-8")
            return text.removesuffix("\n").removesuffix("\r")
        if self.sasl_password is not None:
            return self.sasl_password.get_secret_value()
        return None

    def ssl_context(self) -> ssl.SSLContext | None:
        """The client TLS context (None without TLS): the CA file, else the system's CAs;
        the client certificate and key for mutual TLS; hostname checking as configured."""
        if not self.security_protocol.uses_tls:
            return None
        from aiokafka.helpers import create_ssl_context

        context = create_ssl_context(
            cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
        )
        context.check_hostname = self.ssl_check_hostname
        return context

    def aiokafka_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
        kwargs: dict[str, Any] = {**self._common_kwargs(), "ssl_context": self.ssl_context()}
        if self.sasl_mechanism is SaslMechanism.OAUTHBEARER and self.security_protocol.uses_sasl:
            kwargs["sasl_oauth_token_provider"] = AIOKafkaBearerToken(self)
        return kwargs

    def kafka_python_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's KafkaProducer, KafkaConsumer and KafkaAdminClient."""
        kwargs = self._common_kwargs()
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl_context"] = context
        if self.sasl_mechanism is SaslMechanism.OAUTHBEARER and self.security_protocol.uses_sasl:
            kwargs["sasl_oauth_token_provider"] = KafkaPythonBearerToken(self)
        return kwargs

    def _common_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "bootstrap_servers": list(self.bootstrap_servers),
            "security_protocol": self.security_protocol.value,
        }
        if self.security_protocol.uses_sasl and self.sasl_mechanism is not None:
            kwargs["sasl_mechanism"] = self.sasl_mechanism.value
            if self.sasl_mechanism.needs_username:
                kwargs["sasl_plain_username"] = self.sasl_username
                kwargs["sasl_plain_password"] = self.read_password()
        return kwargs


def bearer_token(connection: KafkaConnection) -> str:
    """The OAUTHBEARER token of `connection`, read now (the file may have been refreshed)."""
    token = connection.read_password()
    if not token:
        raise ValueError("OAUTHBEARER needs a token: the SASL password or password file is empty")
    return token.strip()


class AIOKafkaBearerToken(AIOKafkaTokenProvider):
    """aiokafka's token provider: the connection's bearer token, read at each authentication."""

    def __init__(self, connection: KafkaConnection) -> None:
        self._connection = connection

    async def token(self) -> str:
        return bearer_token(self._connection)

    def __repr__(self) -> str:
        return "AIOKafkaBearerToken(<hidden>)"


class KafkaPythonBearerToken(KafkaPythonTokenProvider):
    """kafka-python's token provider: the connection's bearer token, read at each authentication."""

    def __init__(self, connection: KafkaConnection) -> None:
        super().__init__()
        self._connection = connection

    def token(self) -> str:
        return bearer_token(self._connection)

    def __repr__(self) -> str:
        return "KafkaPythonBearerToken(<hidden>)"
