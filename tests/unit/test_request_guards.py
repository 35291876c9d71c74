"""The pure parts of the request guards: origins, hosts, sizes."""

import pytest

from esi_leap.api import csrf
from esi_leap.api import host
from esi_leap.api import limits


@pytest.mark.parametrize("origin,expected", [
    ("http://Example.COM", "http://example.com"),
    ("http://example.com:80", "http://example.com"),
    ("https://example.com:443", "https://example.com"),
    ("https://example.com:8443", "https://example.com:8443"),
    ("http://[::1]:7777", "http://[::1]:7777"),
    ("null", ""),
    ("file://", ""),
    ("javascript:alert(1)", ""),
    ("http://example.com:99999", ""),
    ("", ""),
])
def test_normalise_origin(origin, expected):
    assert host.normalise_origin(origin) == expected


def test_own_origin_without_host_header_uses_server_name():
    assert host.own_origin({"wsgi.url_scheme": "https",
                            "SERVER_NAME": "esi", "SERVER_PORT": "443"}) \
        == "https://esi"


@pytest.mark.parametrize("value,valid", [
    ("esi.example.com", True), ("esi:7777", True), ("[::1]", True),
    ("[fe80::1%25eth0]:80", True), ("10.1.2.3", True),
    ("-x", False), ("a..b", False), ("a b", False), ("a/b", False),
    ("a:b", False), ("[::1]x", False), ("é.example", False),
    ("a" * 254, False),
])
def test_valid_host(value, valid):
    assert host.valid_host(value) is valid


def test_url_length_prefers_the_raw_target():
    assert limits.url_length({"REQUEST_URI": "/v1/x?a=%41",
                              "PATH_INFO": "/v1/x"}) == 11
    assert limits.url_length({"RAW_URI": "/a%20b"}) == 6
    assert limits.url_length({"PATH_INFO": "/a b",
                              "QUERY_STRING": "q=1"}) == len("/a%20b?q=1")


def test_header_size_counts_names_values_and_separators():
    environ = {"HTTP_X_A": "123", "CONTENT_TYPE": "application/json",
               "PATH_INFO": "/ignored"}
    assert limits.header_size(environ) == (3 + 3 + 4) + (12 + 16 + 4)


@pytest.mark.parametrize("environ,body", [
    ({}, False),
    ({"CONTENT_LENGTH": "0"}, False),
    ({"CONTENT_LENGTH": "2"}, True),
    ({"HTTP_TRANSFER_ENCODING": "chunked"}, True),
    ({"CONTENT_LENGTH": "x"}, True),
])
def test_has_body(environ, body):
    assert csrf.has_body(environ) is body


@pytest.mark.parametrize("content_type,expected", [
    ("Application/JSON; charset=utf-8", "application/json"),
    ("text/plain;charset=UTF-8", "text/plain"),
    ("", ""),
])
def test_media_type(content_type, expected):
    assert csrf.media_type({"CONTENT_TYPE": content_type}) == expected
