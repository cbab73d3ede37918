"""The tool side of bench/agent-overhead.ts: one loop, run as a tool's uid, printing what it did.

  agent-workload.py connect PORT SECONDS [RATE]   connect()+close() to 127.0.0.1:PORT
  agent-workload.py https PORT CAFILE SECONDS     GET requests over one TLS connection (libssl)
  agent-workload.py open PATH SECONDS             open()+close() of one file

Prints one JSON line: {"ops": N, "seconds": S}. Without RATE the loop runs as fast as it
can; with RATE it keeps that many operations per second (checked every 50).
"""
import http.client
import json
import os
import socket
import ssl
import struct
import sys
import time

# close() then sends RST instead of FIN: no TIME_WAIT, so a long run at a high rate does not
# run out of local ports (the agent sees the connection end either way).
LINGER_ZERO = struct.pack("ii", 1, 0)


def connect_loop(port, seconds, rate):
    ops = 0
    start = time.monotonic()
    end = start + seconds
    address = ("127.0.0.1", port)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if rate and ops % 50 == 0:
            ahead = start + ops / rate - now
            if ahead > 0:
                time.sleep(ahead)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ZERO)
        s.connect(address)
        s.close()
        ops += 1
    return ops, time.monotonic() - start


def https_loop(port, cafile, seconds):
    context = ssl.create_default_context(cafile=cafile)
    connection = http.client.HTTPSConnection("localhost", port, context=context)
    ops = 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        connection.request("GET", "/w/api.php?action=query&format=json", headers={"User-Agent": "agent-overhead-bench"})
        connection.getresponse().read()
        ops += 1
    connection.close()
    return ops, time.monotonic() - start


def open_loop(path, seconds):
    ops = 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        for _ in range(100):
            os.close(os.open(path, os.O_RDONLY))
        ops += 100
    return ops, time.monotonic() - start


def main(argv):
    mode = argv[1]
    if mode == "connect":
        ops, seconds = connect_loop(int(argv[2]), float(argv[3]), float(argv[4]) if len(argv) > 4 else 0)
    elif mode == "https":
        ops, seconds = https_loop(int(argv[2]), argv[3], float(argv[4]))
    elif mode == "open":
        ops, seconds = open_loop(argv[2], float(argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps({"ops": ops, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main(sys.argv)
