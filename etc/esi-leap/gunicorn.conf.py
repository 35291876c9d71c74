# gunicorn settings for the esi-leap API.
#
#   gunicorn -c /etc/esi-leap/gunicorn.conf.py
#
# The application is esi_leap.cmd.wsgi:initialize_wsgi_app, a factory that
# reads the esi-leap configuration and returns the WSGI application. Each
# worker builds its own application after the fork (no preload), so no
# database connection is shared between processes.
#
# Environment variables (all optional) override the defaults below:
#   ESI_LEAP_CONFIG_FILE   esi-leap configuration file
#                          (default /etc/esi-leap/esi-leap.conf)
#   ESI_LEAP_API_BIND      address:port to listen on (default 0.0.0.0:7777)
#   ESI_LEAP_API_WORKERS   worker processes (default: CPUs, at most 4)
#   ESI_LEAP_API_THREADS   threads per worker (default 8)
#
# Run it behind nginx with etc/nginx/esi-leap-api.conf, and bind it to
# loopback (ESI_LEAP_API_BIND=127.0.0.1:7778): gunicorn's threaded workers
# give a thread to every connection while its client sends the request, so
# a few hundred idle or slow clients stall gunicorn alone; nginx reads the
# requests in full first. Put TLS in nginx too.

import os

_config_file = os.environ.get("ESI_LEAP_CONFIG_FILE",
                              "/etc/esi-leap/esi-leap.conf")

# gunicorn calls the factory with these literal arguments.
wsgi_app = ("esi_leap.cmd.wsgi:initialize_wsgi_app("
            f"{['--config-file', _config_file]!r})")

bind = [os.environ.get("ESI_LEAP_API_BIND", "0.0.0.0:7777")]
workers = int(os.environ.get("ESI_LEAP_API_WORKERS",
                             max(1, min(os.cpu_count() or 1, 4))))
# Threads, not an async worker: esi-leap uses blocking database and HTTP
# clients and does not use eventlet or gevent.
worker_class = "gthread"
threads = int(os.environ.get("ESI_LEAP_API_THREADS", 8))
preload_app = False

# A request slower than this is killed (and its worker restarted).
timeout = 120
# On SIGTERM workers finish the requests in flight for up to this long.
graceful_timeout = 30
keepalive = 5

# Logs go to stderr (the journal under systemd, the container log in a
# container); esi-leap's own logging follows [DEFAULT] in its config file.
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = "esi-leap-api"
