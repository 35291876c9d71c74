#!/usr/bin/env python3
"""Profile ``GET /v1/offers`` in-process, without HTTP, on a state directory.

Loads the WSGI application exactly as the embedded default builds it, over
an existing state directory (``bench_leasing.py --keep`` leaves one), and
calls it as the non-admin ``lessee``. Prints the time of the whole request
and of its stages (query, view, JSON), and with ``--cprofile FILE`` writes
a cProfile of the whole requests (``python -m pstats FILE``)::

    python benchmarks/profile_list.py /tmp/esi-leap-bench-xxxx --runs 10
    python benchmarks/profile_list.py DIR --patches listrows \
        --cprofile /tmp/l.prof

The database is not modified (only read).
"""

import argparse
import base64
import cProfile
import gc
import json
import os
import pstats
import statistics
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("state_dir")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--user", default="lessee")
    p.add_argument("--path", default="/v1/offers")
    p.add_argument("--cprofile", help="write a cProfile of the requests")
    p.add_argument("--patches", default="",
                   help="candidate fixes from patched_esi_leap.py")
    args = p.parse_args()

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import patched_esi_leap
    patched_esi_leap.apply([n for n in args.patches.split(",") if n])

    import webob

    from esi_leap.api import app as api_app
    from esi_leap.api import lookup
    from esi_leap.api import views
    from esi_leap.cmd import common
    from esi_leap.cmd import embedded
    from esi_leap.common import context as esi_context
    from esi_leap.conf import CONF
    from esi_leap.db import offers as db_offers

    common.prepare([])
    embedded.configure(args.state_dir)
    CONF.set_override("debug", False)
    with open(embedded.credentials_path(args.state_dir),
              encoding="utf-8") as f:
        creds = json.load(f)
    user = creds[args.user]
    token = base64.b64encode(
        f"{args.user}:{user['password']}".encode()).decode()
    app = api_app.build_app(CONF)

    def call() -> webob.Response:
        req = webob.Request.blank(
            args.path, headers={"Authorization": "Basic " + token})
        resp = req.get_response(app)
        if resp.status_int != 200:
            raise SystemExit(f"HTTP {resp.status}: {resp.body[:300]!r}")
        return resp

    first = call()  # warm-up (bcrypt once, caches)
    gc.collect()  # as esi_leap/cmd/server.py does before serving
    gc.freeze()
    count = len(json.loads(first.body)[args.path.rsplit("/", 1)[-1]])
    print(f"{args.path} as {args.user}: {count} items, "
          f"{len(first.body) / 1e6:.2f} MB")
    profiler = cProfile.Profile() if args.cprofile else None
    whole, cpu = [], []
    for _ in range(args.runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        call()
        if profiler:
            profiler.disable()
        whole.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"whole request: median {statistics.median(whole) * 1000:.1f} ms, "
          f"min {min(whole) * 1000:.1f} ms; CPU median "
          f"{statistics.median(cpu) * 1000:.1f} ms")

    if args.path == "/v1/offers":
        ctx = esi_context.RequestContext(
            project_id=user["project_id"], roles=user["roles"],
            user_id=args.user)
        stages: dict[str, list[float]] = {"offer_list": [],
                                          "offers_view": [], "json": []}
        for _ in range(args.runs):
            filters = db_offers.OfferFilters()
            filters.visible_to = lookup.caller_projects(ctx)
            t0 = time.perf_counter()
            offers = db_offers.offer_list(filters)
            t1 = time.perf_counter()
            body = views.offers_view(offers)
            t2 = time.perf_counter()
            json.dumps({"offers": body}, separators=(",", ":")).encode()
            t3 = time.perf_counter()
            stages["offer_list"].append(t1 - t0)
            stages["offers_view"].append(t2 - t1)
            stages["json"].append(t3 - t2)
        print("stages (median ms): " + ", ".join(
            f"{k} {statistics.median(v) * 1000:.1f}"
            for k, v in stages.items()))
    if profiler:
        profiler.dump_stats(args.cprofile)
        pstats.Stats(args.cprofile).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())
