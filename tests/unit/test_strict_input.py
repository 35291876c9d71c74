"""esi_leap.api.strict_input: which paths and query strings are refused."""

import pytest

from esi_leap.api import strict_input


def wsgi(raw: bytes) -> str:
    """Bytes as a WSGI server hands them over (latin-1 text)."""
    return raw.decode("latin-1")


@pytest.mark.parametrize("path", [
    "/v1/nodes/node-1", "/v1/nodes/n\u00e9ud", "/v1/nodes/a b",
    "/v1/nodes/\u2603", "/v1/nodes/%00"])
def test_a_utf8_path_without_controls_passes(path: str) -> None:
    strict_input.check_path(wsgi(path.encode()))


@pytest.mark.parametrize("raw", [
    b"/v1/nodes/\xff", b"/v1/nodes/\xed\xa0\x80", b"/v1/nodes/a\x00",
    b"/v1/nodes/\n", b"/v1/nodes/a\tb", b"/v1/nodes/\x7f",
    "/v1/nodes/\u0085".encode()])
def test_a_bad_path_is_refused(raw: bytes) -> None:
    with pytest.raises(strict_input.BadRequestLine):
        strict_input.check_path(wsgi(raw))


@pytest.mark.parametrize("query", [
    "", "limit=1", "name=a+b", "name=n%C3%A9ud", "a=&b",
    "t=2024-01-01T00:00:00"])
def test_a_good_query_passes(query: str) -> None:
    strict_input.check_query(query)


@pytest.mark.parametrize("query", [
    "node=a%00b", "resource_uuid=%ff", "name=a%0Ab", "x%0D=1",
    "p=%C2%85", "s=%ED%A0%80"])
def test_a_bad_query_is_refused(query: str) -> None:
    with pytest.raises(strict_input.BadRequestLine):
        strict_input.check_query(query)
