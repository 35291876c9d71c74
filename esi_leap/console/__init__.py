"""Serial consoles: short-lived tokens and the websocket proxy.

:mod:`esi_leap.console.tokens` issues and checks tokens (the API and the
proxy share it); :mod:`esi_leap.console.proxy` is the server behind
``esi-leap-serial-console-proxy``.
"""
