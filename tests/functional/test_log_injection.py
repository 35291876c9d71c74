"""Request values with newlines or other control characters never forge a
log line; resource types are validated at the API."""

import io
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from esi_leap.common import logsafe
from tests.conftest import OWNER

FORGED = "CRITICAL forged"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """Everything logged, formatted one record per line as a handler
    writes it."""
    logsafe.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _forged_lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines()
            if line.startswith(FORGED)]


def test_newline_in_resource_type_is_400_and_forges_nothing(client, node,
                                                            log_text):
    owner = client.as_(OWNER)
    body = {"resource_type": f"standalone_node\n{FORGED}",
            "resource_uuid": node, "start_time": "2030-01-01T00:00:00",
            "end_time": "2030-02-01T00:00:00"}
    assert owner.post("/v1/offers", body).status_code == 400
    listed = owner.get(f"/v1/offers?resource_type=x%0A{FORGED}"
                       "&resource_uuid=y")
    assert listed.status_code == 400
    assert "control character" in listed.json["faultstring"]
    assert owner.get("/v1/offers?resource_type=standalone_node"
                     ).status_code == 200
    assert _forged_lines(log_text) == []


def test_newline_in_a_logged_header_is_escaped(client, log_text):
    # The policy check logs the caller's project (X-Project-Id in noauth).
    response = client.as_(f"p1\n{FORGED}").get("/v1/offers")
    assert response.status_code in (200, 400, 401, 403)
    text = log_text.getvalue()
    assert "\\nCRITICAL forged" in text  # logged, visibly escaped
    assert _forged_lines(log_text) == []


def test_library_records_are_escaped_too():
    """stevedore logged the unknown resource type: every logger's
    arguments are escaped, with \\r, ESC and U+2028 as well."""
    logsafe.install()
    record = logging.getLogger("stevedore.named").makeRecord(
        "stevedore.named", logging.WARNING, __file__, 1,
        "Could not load %s", ("x\r\n\x1b[31m\u2028y",), None)
    assert record.getMessage() == "Could not load x\\r\\n\\x1b[31m\\u2028y"


def test_console_scripts_install_the_escaping():
    code = ("from esi_leap.cmd import common; common.prepare([], "
            "default_config_files=[]); from esi_leap.common import logsafe;"
            " print(logsafe.installed())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr
