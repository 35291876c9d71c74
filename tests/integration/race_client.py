"""One racing client process for ``test_races.py`` (stdlib only).

Usage: ``race_client.py PLAN.json RESULT.json``

The plan is a JSON object::

    {"base_url": "http://127.0.0.1:PORT",
     "start_at": <epoch seconds>,
     "requests": [{"key": "...", "method": "POST", "path": "/v1/...",
                   "headers": {...}, "body": {...}}, ...]}

The client waits until ``start_at`` (so that every client starts at once),
sends the requests in order, each on a new connection (so the kernel spreads
them over the API worker processes), and writes a JSON list with one
``{"key", "status", "detail", "seconds"}`` per request. A request that got no
HTTP answer at all is recorded with status 0 and the error in ``detail``.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

TIMEOUT = 60.0


def send(base_url: str, item: dict) -> dict:
    body = item.get("body")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base_url + item["path"], data=data, method=item.get("method", "GET"))
    for name, value in (item.get("headers") or {}).items():
        request.add_header(name, value)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    detail = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status = response.status
            text = response.read().decode("utf-8", "replace")
            try:
                detail = json.loads(text).get("uuid", "")
            except ValueError:
                detail = text[:500]
    except urllib.error.HTTPError as exc:
        status = exc.code
        detail = exc.read().decode("utf-8", "replace")[:500]
    except Exception as exc:  # noqa: BLE001 - no HTTP answer at all
        status = 0
        detail = f"{type(exc).__name__}: {exc}"
    return {"key": item["key"], "status": status, "detail": detail,
            "seconds": round(time.monotonic() - started, 4)}


def main(plan_path: str, result_path: str) -> int:
    with open(plan_path) as f:
        plan = json.load(f)
    delay = plan["start_at"] - time.time()
    if delay > 0:
        time.sleep(delay)
    results = [send(plan["base_url"], item) for item in plan["requests"]]
    with open(result_path + ".tmp", "w") as f:
        json.dump(results, f)
    # Rename so the test never reads a half-written file.
    os.replace(result_path + ".tmp", result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
