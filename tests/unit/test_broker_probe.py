from __future__ import annotations

import socket
import threading

from app.broker import free_port, kafka_answers


def test_nothing_listening_is_not_kafka() -> None:
    assert not kafka_answers("127.0.0.1", free_port())


def test_a_non_kafka_server_is_not_kafka() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def answer_http() -> None:
        connection, _ = server.accept()
        connection.recv(1024)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        connection.close()

    thread = threading.Thread(target=answer_http, daemon=True)
    thread.start()
    try:
        assert not kafka_answers("127.0.0.1", port)
    finally:
        server.close()
