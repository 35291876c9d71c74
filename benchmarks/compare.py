#!/usr/bin/env python3
"""Put the figures of several ``bench_leasing.py --json`` files side by side.

    python benchmarks/compare.py base-1.json base-2.json fix-1.json fix-2.json

One column per file (headed by its name and any patches), one row per
figure; a markdown table, ready for ``docs/performance.md``.
"""

import json
import os
import sys
from typing import Any


def figures(doc: dict[str, Any]) -> dict[str, str]:
    res = doc["results"]
    out: dict[str, str] = {}
    for row in res.get("offer_create", []):
        out[f"offer create, {row['label']} ({row['count']})"] = (
            f"{row['rate_per_s']:.0f}/s"
            + (f" ({row['errors']} err)" if row["errors"] else ""))
    for row in res.get("claim", []):
        out[f"claim, {row['label']} ({row['count']})"] = (
            f"{row['rate_per_s']:.0f}/s"
            + (f" ({row['errors']} err)" if row["errors"] else ""))
    for row in res.get("list", []):
        note = f", {row['note']}" if row.get("note") else ""
        out[f"list {row['offers_returned']} offers{note}: median / p95"] = (
            f"{row['median_s']:.3f} / {row['p95_s']:.3f} s")
        out[f"list {row['offers_returned']} offers{note}: bytes"] = (
            f"{row['response_bytes'] / 1e6:.2f} MB")
    if "list_nodes" in res:
        n = res["list_nodes"]
        out[f"list {n['nodes_returned']} nodes (owner): median"] = (
            f"{n['median_s']:.3f} s")
    for row in res.get("activation", []):
        key = f"start to active, {row['label']}: median / max"
        if row["server_median_s"] is None:
            out[key] = f"failed ({row['errors']} err)"
        else:
            out[key] = (f"{row['server_median_s']:.3f} / "
                        f"{row['server_max_s']:.3f} s")
    c = res.get("concurrent_list")
    if c:
        out[f"{c['clients']} clients listing: req/s"] = f"{c['req_per_s']:.1f}"
        out[f"{c['clients']} clients listing: errors"] = (
            f"{c['errors']} of {c['requests']}")
        out[f"{c['clients']} clients listing: p50 / p95"] = (
            f"{c['p50_s']:.2f} / {c['p95_s']:.2f} s")
    m = res.get("server_rss")
    if m:
        out["server RSS, whole run: min-max"] = (
            f"{m['min_mib']:.0f}-{m['max_mib']:.0f} MiB")
        for phase, v in m["phases"].items():
            if "clients listing" in phase:
                out["server RSS, listing phase: min-max"] = (
                    f"{v['min_mib']:.0f}-{v['max_mib']:.0f} MiB")
    env = doc["environment"]
    out["load average at start"] = f"{env['loadavg_start'][0]:.1f}"
    return out


def main() -> int:
    paths = sys.argv[1:]
    if not paths:
        print(__doc__)
        return 2
    docs = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            docs.append(json.load(f))
    cols = [figures(d) for d in docs]
    keys: list[str] = []
    for col in cols:
        keys += [k for k in col if k not in keys]
    heads = [os.path.basename(p).removesuffix(".json")
             for p in paths]
    print("| figure | " + " | ".join(heads) + " |")
    print("|---|" + "---|" * len(heads))
    for key in keys:
        print(f"| {key} | " + " | ".join(c.get(key, "") for c in cols)
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
