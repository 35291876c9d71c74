"""WSGI entry point for uwsgi, gunicorn or mod_wsgi (``esi-leap-api-wsgi``).

Run the manager separately (``esi-leap-manager``).
"""

import sys

from esi_leap.api import app
from esi_leap.cmd import common
from esi_leap.conf import CONF


def initialize_wsgi_app(argv: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Parse configuration and return the API as a WSGI application."""
    common.prepare(argv if argv is not None else sys.argv[1:1])
    return app.build_app(CONF)
