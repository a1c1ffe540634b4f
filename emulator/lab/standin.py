"""A stand-in for an AWS service inside a lab host: a small HTTP server (standard library) that
answers every GET with who it stands for and the address the request came from, so a client
sees whether it arrived with its private address (through a gateway endpoint or PrivateLink) or
with a public one (through the internet gateway or a NAT gateway). `GET /bytes/N` answers N
bytes (to move data in bulk).

Run by the lab daemon inside the host's namespace: `python -m emulator.lab.standin --service
NAME --port 80 --port 443`. Prints `ready` once every port listens.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    service = ""
    host = ""
    server_version = "vpcemu-standin/1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.startswith("/bytes/") and self.path[7:].isdigit():  # a body of that many bytes
            size = min(int(self.path[7:]), 1 << 30)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"\0" * 65536
            while size > 0:
                self.wfile.write(chunk[:size])
                size -= len(chunk)
            return
        body = json.dumps({"service": self.service, "host": self.host, "client": self.client_address[0],
                           "client_port": self.client_address[1], "port": self.server.server_address[1],
                           "path": self.path}).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # the fabric log says what crossed; keep stderr quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.lab.standin")
    parser.add_argument("--service", required=True)
    parser.add_argument("--host", default="")
    parser.add_argument("--port", type=int, action="append", required=True)
    args = parser.parse_args(argv)
    handler = type("Handler", (_Handler,), {"service": args.service, "host": args.host})
    servers = [_Server(("0.0.0.0", port), handler) for port in args.port]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        servers[0].serve_forever()
    finally:
        for server in servers:
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
