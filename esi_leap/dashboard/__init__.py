"""The web dashboard: static HTML, CSS and JavaScript served at
``/dashboard/``.

The dashboard is a plain single page (no build step, no framework) that
calls the same ``/v1`` API as the CLI, with the user's credentials (HTTP
basic or a Keystone token) sent by the browser's JavaScript. The files
themselves are public: :func:`mount` puts
:class:`~esi_leap.dashboard.files.StaticFiles` in front of the
authenticated API.
"""

from esi_leap.dashboard.files import PREFIX
from esi_leap.dashboard.files import StaticFiles
from esi_leap.dashboard.files import mount

__all__ = ["PREFIX", "StaticFiles", "mount"]
