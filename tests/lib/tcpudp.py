# tests/lib/tcpudp.py — tiny TCP/UDP listeners and clients for tests that
# prove a firewall with real traffic.
#   tcpudp.py tcp-serve|udp-serve PORT...   answer every connection or
#       datagram with "from <source address>"; prints "listening" first
#   tcpudp.py tcp|udp ADDR PORT [WAIT]      print the answer (exit 0), or
#       "timeout" / "refused" (exit 1); WAIT seconds (3) before timeout
import selectors
import socket
import sys


def serve(mode, ports):
    kind = socket.SOCK_STREAM if mode == "tcp-serve" else socket.SOCK_DGRAM
    sel = selectors.DefaultSelector()
    for p in ports:
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(p)))
        if kind == socket.SOCK_STREAM:
            s.listen(16)
        sel.register(s, selectors.EVENT_READ)
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if kind == socket.SOCK_STREAM:
                c, a = s.accept()
                c.sendall(("from %s\n" % a[0]).encode())
                c.close()
            else:
                _, a = s.recvfrom(2048)
                s.sendto(("from %s\n" % a[0]).encode(), a)


def client(mode, addr, port, wait):
    kind = socket.SOCK_STREAM if mode == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(wait)
    try:
        if kind == socket.SOCK_STREAM:
            s.connect((addr, port))
            print(s.recv(100).decode().strip())
        else:
            s.sendto(b"hello", (addr, port))
            print(s.recvfrom(100)[0].decode().strip())
    except socket.timeout:
        print("timeout")
        return 1
    except ConnectionRefusedError:
        print("refused")
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1].endswith("-serve"):
        serve(sys.argv[1], sys.argv[2:])
    sys.exit(client(sys.argv[1], sys.argv[2], int(sys.argv[3]),
                    float(sys.argv[4]) if len(sys.argv) > 4 else 3))
