"""Send and watch for one broadcast ARP frame on a raw AF_PACKET socket.

Run inside a node's network namespace (``ip netns exec NS python -I
frames.py ...``); it needs only the standard library and no 8021q module,
so a node can emit 802.1Q-tagged frames its kernel could not build itself.

``send IFACE VID SRC_IP DST_IP NONCE``
    Send one ARP request for DST_IP, tagged with VID (``-`` for an untagged
    frame), carrying NONCE (hex) in its padding.
``capture IFACE NONCE SECONDS``
    Print ``ready`` once the socket is bound, then ``seen`` and exit as soon
    as a received frame carries NONCE; exit silently after SECONDS.
"""

import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
ETH_P_ARP = 0x0806
PACKET_OUTGOING = 4
MIN_FRAME = 64


def arp_request(src_mac: bytes, src_ip: str, dst_ip: str, vid: int | None,
                nonce: bytes) -> bytes:
    """A broadcast ARP "who-has DST_IP" frame, optionally 802.1Q-tagged,
    with ``nonce`` right after the ARP payload."""
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src_mac,
                      socket.inet_aton(src_ip), b"\x00" * 6,
                      socket.inet_aton(dst_ip))
    header = b"\xff" * 6 + src_mac
    if vid is not None:
        header += struct.pack("!HH", ETH_P_8021Q, vid & 0x0FFF)
    frame = header + struct.pack("!H", ETH_P_ARP) + arp + nonce
    return frame + b"\x00" * max(0, MIN_FRAME - len(frame))


def send(iface: str, vid: str, src_ip: str, dst_ip: str, nonce: str) -> None:
    with open(f"/sys/class/net/{iface}/address") as handle:
        mac = bytes.fromhex(handle.read().strip().replace(":", ""))
    frame = arp_request(mac, src_ip, dst_ip,
                        None if vid == "-" else int(vid),
                        bytes.fromhex(nonce))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((iface, 0))
        sock.send(frame)


def capture(iface: str, nonce: str, seconds: str) -> None:
    wanted = bytes.fromhex(nonce)
    deadline = time.monotonic() + float(seconds)
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                       socket.htons(ETH_P_ALL)) as sock:
        sock.bind((iface, 0))
        print("ready", flush=True)
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, address = sock.recvfrom(65535)
            except TimeoutError:
                return
            if address[2] != PACKET_OUTGOING and wanted in data:
                print("seen", flush=True)
                return


def main(argv: list[str]) -> int:
    if argv[:1] == ["send"] and len(argv) == 6:
        send(*argv[1:])
    elif argv[:1] == ["capture"] and len(argv) == 4:
        capture(*argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
