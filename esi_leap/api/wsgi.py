"""Deprecated: the WSGI entry point moved to :mod:`esi_leap.cmd.wsgi`.

``esi_leap.api.wsgi:initialize_wsgi_app`` keeps working for existing
gunicorn, uWSGI and mod_wsgi configurations; use
``esi_leap.cmd.wsgi:initialize_wsgi_app`` in new ones.
"""

import warnings

from esi_leap.cmd.wsgi import initialize_wsgi_app

__all__ = ["initialize_wsgi_app"]

warnings.warn("esi_leap.api.wsgi is deprecated; use esi_leap.cmd.wsgi "
              "(initialize_wsgi_app)", DeprecationWarning, stacklevel=2)
