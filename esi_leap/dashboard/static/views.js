/* esi-leap dashboard: the pages (nodes, offers, leases, networks,
 * findings). Each view is render(container, session) and draws itself
 * from the /v1 API; actions report the API's faultstring on failure.
 */
"use strict";

window.EsiViews = (function () {
  const api = window.EsiApi;
  const ui = window.EsiUi;
  const el = ui.el;

  /* Lease statuses a DELETE may end and a PATCH may move. */
  const CAN_END = ["created", "active", "error", "wait fulfill"];
  const CAN_EXTEND = ["created", "active"];
  const SEVERITIES = ["critical", "major", "minor", "info"];

  function header(title, description, refresh) {
    return el("div", {className: "page-header"},
              el("h1", null, title),
              refresh ? ui.button("Refresh", refresh, "btn-default",
                                  {"aria-label": "Refresh " + title}) : null,
              description ? el("p", {className: "lead"}, description) : null);
  }

  function loading(container) {
    container.setAttribute("aria-busy", "true");
    ui.clear(container).appendChild(el("p", {className: "loading"},
                                       "Loading…"));
  }

  function done(container) {
    container.setAttribute("aria-busy", "false");
  }

  function projectOf(name, id) {
    return name || (id ? ui.shortId(id) : "—");
  }

  /* Run an action; show its error, or call onDone(result). */
  async function act(buttonNode, work, onDone) {
    if (buttonNode) {
      buttonNode.disabled = true;
    }
    try {
      const result = await work();
      await onDone(result);
    } catch (err) {
      ui.showError(err);
    } finally {
      if (buttonNode) {
        buttonNode.disabled = false;
      }
    }
  }

  // ---------------------------------------------------------------- nodes

  async function nodes(container, session) {
    loading(container);
    const rows = await api.list("/nodes", "nodes");
    const redraw = function () { nodes(container, session); };
    ui.fill(container, 
      header("Nodes", "Bare metal nodes you own or lease, with their " +
             "current lease.", redraw),
      ui.table("Nodes", [
        {title: "Name", render: function (n) { return n.name || "—"; }},
        {title: "UUID", render: function (n) { return ui.uuidCell(n.uuid); }},
        {title: "Resource class",
         render: function (n) { return n.resource_class || "—"; }},
        {title: "Owner",
         render: function (n) { return projectOf(n.owner, n.owner_id); }},
        {title: "Lessee",
         render: function (n) { return projectOf(n.lessee, n.lessee_id); }},
        {title: "Current lease", className: "col-lease",
         render: function (n) {
           return n.lease_uuid ?
             el("a", {href: "#leases", title: n.lease_uuid},
                ui.shortId(n.lease_uuid)) : "—";
         }},
        {title: "Provision state",
         render: function (n) { return n.provision_state || "—"; }},
        {title: "Power",
         render: function (n) { return n.power_state || "—"; }},
        {title: "Maintenance",
         render: function (n) { return String(n.maintenance); }},
        {title: "Future offers / leases",
         render: function (n) {
           return (n.future_offers || []).length + " / " +
             (n.future_leases || []).length;
         }},
      ], rows, function (n) { return {dataset: {nodeUuid: n.uuid}}; }));
    done(container);
  }

  // --------------------------------------------------------------- offers

  function claimForm(offer, onClaimed, onCancel) {
    const start = el("input", {type: "datetime-local"});
    const end = el("input", {type: "datetime-local"});
    const submit = el("button", {type: "submit",
                                 className: "btn btn-primary"},
                      "Claim offer");
    const form = el("form", {className: "panel action-panel",
                             id: "claim-form",
                             "aria-labelledby": "claim-title"},
                    el("h2", {id: "claim-title"},
                       "Claim offer " + ui.shortId(offer.uuid) + " on " +
                       (offer.resource || offer.resource_uuid)),
                    el("p", {className: "help"},
                       "Leave the times empty to start now for the " +
                       "default length (the server's limit applies). " +
                       "Times are UTC."),
                    ui.field("claim-start", "Start (UTC, optional)", start),
                    ui.field("claim-end", "End (UTC, optional)", end),
                    el("div", {className: "form-actions"}, submit,
                       ui.button("Cancel", onCancel)));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const body = {};
      if (start.value) {
        body.start_time = ui.fromInputValue(start.value);
      }
      if (end.value) {
        body.end_time = ui.fromInputValue(end.value);
      }
      act(submit, function () {
        return api.post("/offers/" + encodeURIComponent(offer.uuid) +
                        "/claim", body);
      }, onClaimed);
    });
    return form;
  }

  function availabilityText(offer) {
    const windows = offer.availabilities || [];
    if (!windows.length) {
      return "—";
    }
    return windows.slice(0, 2).map(function (w) {
      return ui.formatTime(w[0]) + " → " + ui.formatTime(w[1]);
    }).join("; ") + (windows.length > 2 ? " …" : "");
  }

  async function leasesForCalendar(session) {
    if (session.isAdmin) {
      return api.list("/leases", "leases", {view: "all"});
    }
    return api.list("/leases", "leases");
  }

  async function offers(container, session) {
    loading(container);
    const days = session.calendarDays || 14;
    const [nodeRows, offerRows, leaseRows] = await Promise.all([
      api.list("/nodes", "nodes"), api.list("/offers", "offers"),
      leasesForCalendar(session)]);
    const redraw = function () { offers(container, session); };
    const start = new Date(Date.now() - window.EsiCalendar.DAY);
    const range = {start: start,
                   end: new Date(start.getTime() + (days + 1) *
                                 window.EsiCalendar.DAY)};
    const rangeSelect = el("select", null, [7, 14, 30, 90].map(function (d) {
      return el("option", {value: String(d), selected: d === days},
                d + " days");
    }));
    rangeSelect.addEventListener("change", function () {
      session.calendarDays = Number(rangeSelect.value);
      redraw();
    });
    const panel = el("div", {id: "offer-action"});
    const claimed = function (lease) {
      ui.showSuccess("Claimed: lease " + lease.uuid + " on " +
                     (lease.resource || lease.resource_uuid) +
                     " (status " + lease.status + ").");
      redraw();
    };
    ui.fill(container, 
      header("Offers & calendar", "Nodes offered for lease and when " +
             "they are free. Claiming an offer creates a lease.", redraw),
      el("section", {className: "section", "aria-labelledby": "cal-title"},
         el("div", {className: "section-header"},
            el("h2", {id: "cal-title"}, "Availability calendar"),
            ui.field("cal-range", "Show", rangeSelect)),
         session.isAdmin ? null : el(
           "p", {className: "help"}, "Leases shown are your project's " +
           "(as lessee or owner)."),
         window.EsiCalendar.render(nodeRows, offerRows, leaseRows, range)),
      panel,
      el("section", {className: "section"},
         ui.table("Offers", [
           {title: "Node", render: function (o) {
             return o.resource || ui.shortId(o.resource_uuid);
           }},
           {title: "Offer",
            render: function (o) { return ui.uuidCell(o.uuid); }},
           {title: "Owner", render: function (o) {
             return projectOf(o.project, o.project_id);
           }},
           {title: "Restricted to", render: function (o) {
             return o.lessee_id ? projectOf(o.lessee, o.lessee_id) : "anyone";
           }},
           {title: "Start", render: function (o) {
             return ui.formatTime(o.start_time);
           }},
           {title: "End", render: function (o) {
             return ui.formatTime(o.end_time);
           }},
           {title: "Status", className: "col-status",
            render: function (o) { return ui.badge(o.status); }},
           {title: "Free windows", className: "col-wrap",
            render: availabilityText},
           {title: "Actions", className: "col-actions", render: function (o) {
             if (o.status !== "available") {
               return "—";
             }
             return ui.button("Claim", function () {
               ui.clear(panel).appendChild(claimForm(o, claimed, function () {
                 ui.clear(panel);
               }));
               panel.querySelector("input").focus();
             }, "btn-primary btn-sm", {"aria-label": "Claim offer " + o.uuid,
                                       dataset: {action: "claim"}});
           }},
         ], offerRows, function (o) {
           return {dataset: {offerUuid: o.uuid}};
         })));
    done(container);
  }

  // --------------------------------------------------------------- leases

  function extendForm(lease, onDone, onCancel) {
    const current = ui.parseTime(lease.end_time) || new Date();
    const end = el("input", {type: "datetime-local", required: true,
                             value: ui.toInputValue(
                               new Date(current.getTime() +
                                        window.EsiCalendar.DAY))});
    const submit = el("button", {type: "submit",
                                 className: "btn btn-primary"},
                      "Save end time");
    const form = el("form", {className: "panel action-panel",
                             id: "extend-form",
                             "aria-labelledby": "extend-title"},
                    el("h2", {id: "extend-title"},
                       "Extend lease " + ui.shortId(lease.uuid)),
                    el("p", {className: "help"}, "It now ends " +
                       ui.formatTime(lease.end_time) + ". The node's " +
                       "owner (or an admin) may move the end time."),
                    ui.field("extend-end", "New end time (UTC)", end),
                    el("div", {className: "form-actions"}, submit,
                       ui.button("Cancel", onCancel)));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act(submit, function () {
        return api.patch("/leases/" + encodeURIComponent(lease.uuid),
                         {end_time: ui.fromInputValue(end.value)});
      }, onDone);
    });
    return form;
  }

  function endForm(lease, onDone, onCancel) {
    const confirmButton = el("button", {type: "submit",
                                        className: "btn btn-danger"},
                             "End lease");
    const form = el("form", {className: "panel action-panel",
                             id: "end-form", "aria-labelledby": "end-title"},
                    el("h2", {id: "end-title"},
                       "End lease " + ui.shortId(lease.uuid) + "?"),
                    el("p", null, "The node " +
                       (lease.resource || lease.resource_uuid) +
                       " goes back to its owner; its ports return to " +
                       "quarantine."),
                    el("div", {className: "form-actions"}, confirmButton,
                       ui.button("Cancel", onCancel)));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act(confirmButton, function () {
        return api.del("/leases/" + encodeURIComponent(lease.uuid));
      }, onDone);
    });
    return form;
  }

  async function leases(container, session) {
    loading(container);
    const filter = session.leaseFilter || {status: "", all: false};
    const params = {};
    if (filter.status) {
      params.status = filter.status;
    }
    if (filter.all && session.isAdmin) {
      params.view = "all";
    }
    const rows = await api.list("/leases", "leases", params);
    const redraw = function () { leases(container, session); };
    const statusSelect = el("select", null, [
      ["", "Current (not ended)"], ["any", "Any"], ["active", "active"],
      ["created", "created"], ["expired", "expired"],
      ["deleted", "deleted"], ["error", "error"]].map(function (o) {
      return el("option", {value: o[0], selected: o[0] === filter.status},
                o[1]);
    }));
    statusSelect.addEventListener("change", function () {
      session.leaseFilter = {status: statusSelect.value, all: filter.all};
      redraw();
    });
    let allBox = null;
    if (session.isAdmin) {
      allBox = el("input", {type: "checkbox", checked: filter.all});
      allBox.addEventListener("change", function () {
        session.leaseFilter = {status: filter.status, all: allBox.checked};
        redraw();
      });
    }
    const panel = el("div", {id: "lease-action"});
    const closePanel = function () { ui.clear(panel); };
    const changed = function (message) {
      return function (lease) {
        ui.showSuccess(message + (lease && lease.end_time ?
          " It ends " + ui.formatTime(lease.end_time) + "." : ""));
        redraw();
      };
    };
    ui.fill(container, 
      header("Leases", "Leases of your project, as lessee or owner.",
             redraw),
      el("form", {className: "filters", "aria-label": "Lease filters"},
         ui.field("lease-status", "Status", statusSelect),
         allBox ? el("div", {className: "field field-inline"}, allBox,
                     el("label", {htmlFor: "lease-all"},
                        "All projects (admin)")) : null),
      panel,
      ui.table("Leases", [
        {title: "Lease", className: "col-uuid",
         render: function (l) { return ui.uuidCell(l.uuid); }},
        {title: "Node", render: function (l) {
          return l.resource || ui.shortId(l.resource_uuid);
        }},
        {title: "Lessee", render: function (l) {
          return projectOf(l.project, l.project_id);
        }},
        {title: "Owner", render: function (l) {
          return projectOf(l.owner, l.owner_id);
        }},
        {title: "Start", render: function (l) {
          return ui.formatTime(l.start_time);
        }},
        {title: "End", className: "col-end", render: function (l) {
          return ui.formatTime(l.end_time);
        }},
        {title: "Status", className: "col-status",
         render: function (l) { return ui.badge(l.status); }},
        {title: "Actions", className: "col-actions", render: function (l) {
          return [
            CAN_EXTEND.includes(l.status) ? ui.button("Extend", function () {
              ui.clear(panel).appendChild(extendForm(
                l, changed("Lease " + l.uuid + " extended."), closePanel));
              panel.querySelector("input").focus();
            }, "btn-default btn-sm", {"aria-label": "Extend lease " + l.uuid,
                                      dataset: {action: "extend"}}) : null,
            CAN_END.includes(l.status) ? ui.button("End", function () {
              ui.clear(panel).appendChild(endForm(
                l, changed("Lease " + l.uuid + " is ending."), closePanel));
              panel.querySelector("button").focus();
            }, "btn-danger btn-sm", {"aria-label": "End lease " + l.uuid,
                                     dataset: {action: "end"}}) : null,
          ];
        }},
      ], rows, function (l) {
        return {dataset: {leaseUuid: l.uuid, status: l.status}};
      }));
    if (allBox) {
      allBox.id = "lease-all";
    }
    done(container);
  }

  // ------------------------------------------------------------- networks

  function networkLabel(a) {
    return (a.network_name || ui.shortId(a.network_uuid)) + " (vlan " +
      a.vlan + ", " + a.mode + ")";
  }

  function attachForm(portRows, networkRows, onDone) {
    const portSelect = el("select", {required: true},
                          portRows.map(function (p) {
                            return el("option", {
                              value: p.node_uuid + "/" + p.uuid},
                            p.nodeName + " / " + (p.name || p.uuid));
                          }));
    const netSelect = el("select", {required: true},
                         networkRows.map(function (n) {
                           return el("option", {value: n.uuid},
                                     n.name + " (vlan " + n.vlan + ")");
                         }));
    const modeSelect = el("select", null,
                          el("option", {value: "native"}, "native (untagged)"),
                          el("option", {value: "tagged"}, "tagged"));
    const submit = el("button", {type: "submit",
                                 className: "btn btn-primary"}, "Attach");
    const form = el("form", {className: "panel inline-form",
                             "aria-labelledby": "attach-title"},
                    el("h3", {id: "attach-title"}, "Attach a port"),
                    ui.field("attach-port", "Node / port", portSelect),
                    ui.field("attach-network", "Network", netSelect),
                    ui.field("attach-mode", "Mode", modeSelect),
                    el("div", {className: "form-actions"}, submit));
    if (!portRows.length || !networkRows.length) {
      submit.disabled = true;
      form.appendChild(el("p", {className: "help"}, "You need a leased " +
                          "node with a port and a network to attach."));
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const [node, port] = portSelect.value.split("/");
      act(submit, function () {
        return api.post("/nodes/" + encodeURIComponent(node) + "/ports/" +
                        encodeURIComponent(port) + "/networks",
                        {network: netSelect.value, mode: modeSelect.value});
      }, onDone);
    });
    return form;
  }

  function createNetworkForm(onDone) {
    const name = el("input", {type: "text", required: true,
                              maxlength: "255"});
    const submit = el("button", {type: "submit",
                                 className: "btn btn-primary"},
                      "Create network");
    const form = el("form", {className: "panel inline-form",
                             "aria-labelledby": "create-net-title"},
                    el("h3", {id: "create-net-title"}, "Create a network"),
                    ui.field("network-name", "Name", name,
                             "A VLAN is taken from the pool."),
                    el("div", {className: "form-actions"}, submit));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act(submit, function () {
        return api.post("/networks", {name: name.value.trim()});
      }, onDone);
    });
    return form;
  }

  async function portsOf(nodeRows) {
    const results = await Promise.all(nodeRows.map(function (n) {
      return api.list("/nodes/" + encodeURIComponent(n.uuid) + "/ports",
                      "ports").then(function (ports) {
        return ports.map(function (p) {
          return Object.assign({nodeName: n.name || n.uuid}, p);
        });
      }, function (err) {
        ui.showError(new Error("ports of " + (n.name || n.uuid) + ": " +
                               err.message));
        return [];
      });
    }));
    return results.flat();
  }

  async function networks(container, session) {
    loading(container);
    const [networkRows, nodeRows] = await Promise.all([
      api.list("/networks", "networks"), api.list("/nodes", "nodes")]);
    const portRows = await portsOf(nodeRows);
    const redraw = function () { networks(container, session); };
    const actionDone = function (what) {
      return function (result) {
        const action = result && result.uuid ? " (network action " +
          result.uuid + ", " + result.status + ")" : "";
        ui.showSuccess(what + action + ".");
        redraw();
      };
    };
    ui.fill(container, 
      header("Networks", "Private networks (a VLAN each) and the ports " +
             "of your nodes attached to them.", redraw),
      el("section", {className: "section"},
         ui.table("Networks", [
           {title: "Name", render: function (n) { return n.name; }},
           {title: "UUID",
            render: function (n) { return ui.uuidCell(n.uuid); }},
           {title: "VLAN", render: function (n) { return String(n.vlan); }},
           {title: "Physical network",
            render: function (n) { return n.physical_network || "—"; }},
           {title: "Project",
            render: function (n) { return ui.shortId(n.project_id); }},
           {title: "Public", render: function (n) {
             return n.public ? "yes" : "no";
           }},
           {title: "Shared with", render: function (n) {
             return (n.shared_with || []).map(ui.shortId).join(", ") || "—";
           }},
           {title: "Actions", className: "col-actions", render: function (n) {
             return ui.button("Delete", function (event) {
               act(event.currentTarget, function () {
                 return api.del("/networks/" + encodeURIComponent(n.uuid));
               }, function () {
                 ui.showSuccess("Network " + n.name + " deleted.");
                 redraw();
               });
             }, "btn-danger btn-sm", {"aria-label": "Delete network " +
                                      n.name});
           }},
         ], networkRows, function (n) {
           return {dataset: {networkUuid: n.uuid}};
         }),
         createNetworkForm(function (network) {
           ui.showSuccess("Network " + network.name + " created (vlan " +
                          network.vlan + ").");
           redraw();
         })),
      el("section", {className: "section"},
         ui.table("Port attachments", [
           {title: "Node", render: function (p) { return p.nodeName; }},
           {title: "Port", render: function (p) { return p.name || p.uuid; }},
           {title: "MAC", render: function (p) { return p.address || "—"; }},
           {title: "Physical network",
            render: function (p) { return p.physical_network || "—"; }},
           {title: "Networks", render: function (p) {
             if (!(p.networks || []).length) {
               return "— (quarantine)";
             }
             return el("ul", {className: "plain"}, p.networks.map(
               function (a) {
                 return el("li", null, networkLabel(a), " ",
                           ui.button("Detach", function (event) {
                             act(event.currentTarget, function () {
                               return api.del(
                                 "/nodes/" + encodeURIComponent(p.node_uuid) +
                                 "/ports/" + encodeURIComponent(p.uuid) +
                                 "/networks/" +
                                 encodeURIComponent(a.network_uuid));
                             }, actionDone("Detach requested"));
                           }, "btn-default btn-sm", {
                             "aria-label": "Detach " + (p.name || p.uuid) +
                               " from " +
                               (a.network_name || a.network_uuid)}));
               }));
           }},
           {title: "Pending", render: function (p) {
             return p.pending_action ? ui.badge(
               p.pending_action.status || "pending") : "—";
           }},
         ], portRows, function (p) { return {dataset: {portUuid: p.uuid}}; }),
         attachForm(portRows, networkRows, actionDone("Attach requested"))));
    done(container);
  }

  // ------------------------------------------------------------- findings

  function adminsOnly(container) {
    ui.fill(container, 
      header("Audit findings"),
      el("div", {className: "alert alert-info", role: "status",
                 id: "findings-admins-only"},
         "Audit findings are for admins only. Ask an administrator, or " +
         "verify your own networks with “openstack esi network verify”."));
  }

  function severitySummary(rows) {
    return el("ul", {className: "severity-summary",
                     "aria-label": "Findings by severity"},
              SEVERITIES.map(function (s) {
                const count = rows.filter(function (f) {
                  return f.severity === s;
                }).length;
                return el("li", {className: "severity-card severity-" + s,
                                 dataset: {severity: s}},
                          el("span", {className: "severity-count"},
                             String(count)),
                          el("span", {className: "severity-name"}, s));
              }));
  }

  function findingsTable(severity, rows) {
    return ui.table(severity.charAt(0).toUpperCase() + severity.slice(1) +
                    " findings (" + rows.length + ")", [
      {title: "Severity", render: function (f) {
        return ui.badge(f.severity, "severity");
      }},
      {title: "Kind", render: function (f) { return f.kind; }},
      {title: "Switch port", render: function (f) {
        return (f.switch || "—") + " / " + (f.switch_port || "—");
      }},
      {title: "Node", render: function (f) {
        return ui.uuidCell(f.node_uuid);
      }},
      {title: "Message", className: "col-message",
       render: function (f) { return f.message; }},
      {title: "Status", render: function (f) { return ui.badge(f.status); }},
      {title: "Last seen", render: function (f) {
        return ui.formatTime(f.last_seen_at);
      }},
    ], rows, function (f) { return {dataset: {findingUuid: f.uuid}}; });
  }

  async function findings(container, session) {
    loading(container);
    const status = session.findingStatus === undefined ? "open" :
      session.findingStatus;
    let rows;
    try {
      rows = await api.list("/findings", "findings",
                            status ? {status: status} : {});
    } catch (err) {
      if (err.status === 403) {
        adminsOnly(container);
        done(container);
        return;
      }
      throw err;
    }
    const redraw = function () { findings(container, session); };
    const statusSelect = el("select", null, [
      ["open", "open"], ["resolved", "resolved"], ["", "any"]].map(
      function (o) {
        return el("option", {value: o[0], selected: o[0] === status}, o[1]);
      }));
    statusSelect.addEventListener("change", function () {
      session.findingStatus = statusSelect.value;
      redraw();
    });
    const sections = SEVERITIES.map(function (s) {
      const matching = rows.filter(function (f) { return f.severity === s; });
      return matching.length ?
        el("section", {className: "section", dataset: {severity: s}},
           findingsTable(s, matching)) : null;
    });
    ui.fill(container, 
      header("Audit findings", "What the switch audit found, worst " +
             "first. Remediate with “openstack esi audit remediate”.",
             redraw),
      el("form", {className: "filters", "aria-label": "Finding filters"},
         ui.field("finding-status", "Status", statusSelect)),
      severitySummary(rows),
      rows.length ? sections : el("p", {className: "empty-state"},
                                  "No findings."));
    done(container);
  }

  return {nodes: nodes, offers: offers, leases: leases,
          networks: networks, findings: findings};
}());
