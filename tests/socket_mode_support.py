"""A minimal Socket Mode endpoint on loopback: the WebSocket handshake (RFC 6455) and ping/pong, enough for
slack_sdk's SocketModeClient to connect and stay connected. Pair it with MockSlack answering
apps.connections.open with `url`."""
from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketModeServer:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.connected = threading.Event()
        self.clients: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.sock.getsockname()[1]}/link/?ticket=test"

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            headers = {}
            for line in request.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode()).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            self.connected.set()
            while True:
                opcode, payload = self._frame(conn)
                if opcode is None or opcode == 0x8:  # closed
                    return
                if opcode == 0x9:  # ping -> pong with the same payload
                    conn.sendall(bytes([0x8A, len(payload)]) + payload)
        except OSError:
            return

    @staticmethod
    def _read(conn: socket.socket, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _frame(self, conn: socket.socket) -> tuple[int | None, bytes]:
        head = self._read(conn, 2)
        if head is None:
            return None, b""
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(conn, 2) or b"\0\0")[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(conn, 8) or b"\0" * 8)[0]
        mask = self._read(conn, 4) if head[1] & 0x80 else b"\0\0\0\0"
        payload = self._read(conn, length) if length else b""
        if mask is None or payload is None:
            return None, b""
        return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def close(self) -> None:
        self._stop = True
        for conn in self.clients:
            try:
                conn.close()
            except OSError:
                pass
        self.sock.close()
