/* esi-leap dashboard: the availability calendar.
 *
 * One row per node; offers are drawn in the upper half of the row's
 * track, leases in the lower half, positioned in percent of the shown
 * range. Each bar carries its text (for screen readers and as a
 * tooltip), so the calendar reads as a list of nodes and their windows.
 */
"use strict";

window.EsiCalendar = (function () {
  const ui = window.EsiUi;
  const el = ui.el;
  const DAY = 24 * 3600 * 1000;

  /* Rows keyed by node uuid, in node-list order, then by name. */
  function rowsOf(nodes, offers, leases) {
    const rows = new Map();
    function row(uuid, name) {
      if (!rows.has(uuid)) {
        rows.set(uuid, {uuid: uuid, name: name || uuid, offers: [],
                        leases: []});
      }
      return rows.get(uuid);
    }
    nodes.forEach(function (n) { row(n.uuid, n.name); });
    offers.forEach(function (o) {
      row(o.resource_uuid, o.resource).offers.push(o);
    });
    leases.forEach(function (l) {
      row(l.resource_uuid, l.resource).leases.push(l);
    });
    return Array.from(rows.values());
  }

  function spanOf(item, range) {
    const start = ui.parseTime(item.start_time) || range.start;
    const end = ui.parseTime(item.end_time) || range.end;
    if (end <= range.start || start >= range.end) {
      return null;
    }
    const total = range.end - range.start;
    const from = Math.max(start, range.start);
    const to = Math.min(end, range.end);
    return {left: 100 * (from - range.start) / total,
            width: Math.max(0.4, 100 * (to - from) / total)};
  }

  function bar(kind, item, range) {
    const span = spanOf(item, range);
    if (!span) {
      return null;
    }
    const who = kind === "offer" ?
      (item.lessee ? " for " + item.lessee : "") :
      " held by " + (item.project || item.project_id);
    const text = (kind === "offer" ? "Offer " : "Lease ") +
      ui.shortId(item.uuid) + who + ", " + item.status + ", " +
      ui.formatTime(item.start_time) + " to " + ui.formatTime(item.end_time);
    const node = el("li", {
      className: "cal-bar cal-" + kind + " cal-" +
        String(item.status).replace(/\s+/g, "-"),
      title: text,
      dataset: {uuid: item.uuid, kind: kind}},
    el("span", {className: "cal-bar-text"}, text));
    node.style.left = span.left.toFixed(3) + "%";
    node.style.width = span.width.toFixed(3) + "%";
    return node;
  }

  function axis(range) {
    const days = (range.end - range.start) / DAY;
    const step = days > 60 ? 14 : days > 20 ? 7 : 1;
    const ticks = el("div", {className: "cal-axis", "aria-hidden": "true"});
    const first = new Date(Date.UTC(range.start.getUTCFullYear(),
                                    range.start.getUTCMonth(),
                                    range.start.getUTCDate() + 1));
    /* No label too close to the right edge to fit. */
    const last = range.end - (range.end - range.start) * 0.03;
    for (let t = first.getTime(); t < last; t += step * DAY) {
      const tick = el("span", {className: "cal-tick"},
                      new Date(t).toISOString().slice(5, 10));
      tick.style.left = (100 * (t - range.start) /
                         (range.end - range.start)).toFixed(3) + "%";
      ticks.appendChild(tick);
    }
    return ticks;
  }

  function nowLine(range, now) {
    if (now < range.start || now > range.end) {
      return null;
    }
    const line = el("div", {className: "cal-now", title: "now",
                            "aria-hidden": "true"});
    line.style.left = (100 * (now - range.start) /
                       (range.end - range.start)).toFixed(3) + "%";
    return line;
  }

  function legend() {
    return el("ul", {className: "cal-legend", "aria-label": "Legend"},
              el("li", null, el("span", {className: "cal-swatch cal-offer"}),
                 "Offer (available to claim)"),
              el("li", null, el("span", {className: "cal-swatch cal-lease " +
                                         "cal-active"}), "Active lease"),
              el("li", null, el("span", {className: "cal-swatch cal-lease " +
                                         "cal-created"}),
                 "Lease not yet started"),
              el("li", null, el("span", {className: "cal-swatch cal-nowmark"}),
                 "Now"));
  }

  /* The calendar for [start, end) as a DOM element. */
  function render(nodes, offers, leases, range) {
    const now = new Date();
    const rows = rowsOf(nodes, offers, leases);
    const list = el("ul", {className: "cal-rows",
                           "aria-label": "Nodes and their offers and leases"});
    rows.forEach(function (row) {
      const bars = row.offers.map(function (o) {
        return bar("offer", o, range);
      }).concat(row.leases.map(function (l) {
        return bar("lease", l, range);
      })).filter(Boolean);
      const track = el("div", {className: "cal-track"},
                       el("ul", {className: "cal-bars",
                                 "aria-label": "Windows of " + row.name},
                          bars),
                       nowLine(range, now));
      if (!bars.length) {
        track.appendChild(el("span", {className: "cal-free"},
                             "Nothing offered or leased in this range"));
      }
      list.appendChild(el("li", {className: "cal-row",
                                 dataset: {node: row.uuid}},
                          el("span", {className: "cal-label",
                                      title: row.uuid}, row.name),
                          track));
    });
    if (!rows.length) {
      list.appendChild(el("li", {className: "cal-row"},
                          "No nodes, offers or leases to show."));
    }
    return el("div", {className: "calendar"},
              el("div", {className: "cal-header"},
                 el("span", {className: "cal-label"}, "Node"),
                 axis(range)),
              list, legend());
  }

  return {render: render, DAY: DAY};
}());
