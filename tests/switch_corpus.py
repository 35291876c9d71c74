"""Switch port names that must never reach a switch's command line.

Every test of the switch value allowlist (validator, drivers, API, Ironic
ingestion, the Cisco emulator and Open vSwitch) throws this corpus.
"""

#: (id, value): each breaks a CLI command in its own way.
UNSAFE_PORTS: list[tuple[str, str]] = [
    ("lf-cisco", "FastEthernet0/1\ninterface FastEthernet0/2"),
    ("cr", "FastEthernet0/1\rinterface FastEthernet0/2"),
    ("crlf", "Ethernet1\r\nEthernet2"),
    ("nul", "Ethernet1\x00Ethernet2"),
    ("ovs-shell", "p1 tag=100 -- set port p2 tag=100; touch /tmp/x #"),
    ("semicolon", "p1;touch /tmp/x"),
    ("pipe", "p1|touch /tmp/x"),
    ("ampersand", "p1&touch /tmp/x"),
    ("dollar", "p1$(touch /tmp/x)"),
    ("parens", "p1(2)"),
    ("backquote", "p1`touch /tmp/x`"),
    ("single-quote", "p1'"),
    ("double-quote", 'p1"'),
    ("hash", "p1#"),
    ("space", "Ethernet 1"),
    ("tab", "Ethernet\t1"),
    ("non-ascii", "Ethernet1\u00e9"),
    ("fullwidth-digit", "Ethernet\uff11"),
    ("too-long", "E" * 65),
    ("leading-dash", "-p1"),
    ("leading-dash-option", "--if-exists"),
    ("empty", ""),
    ("leading-slash", "/etc"),
    ("brace", "p{port}"),
]

#: Port names the allowlist keeps.
SAFE_PORTS = ["Ethernet1", "Ethernet1/1", "FastEthernet0/1", "Gi1/0/1",
              "ge-0/0/1.0", "p1", "eth0", "xe-1/2/3:1", "1", "E" * 64]

#: What an injection into ``touch`` would create.
MARKER = "/tmp/x"


def unsafe_ports(marker: str = MARKER) -> list[tuple[str, str]]:
    """:data:`UNSAFE_PORTS` with ``/tmp/x`` replaced by ``marker`` (a
    file of the test's own)."""
    return [(name, value.replace(MARKER, marker))
            for name, value in UNSAFE_PORTS]
