/* esi-leap dashboard: DOM helpers, formatting and messages. */
"use strict";

window.EsiUi = (function () {
  /* el("td", {className: "x", dataset: {uuid: u}}, "text", child, ...) */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === undefined || value === null || value === false) {
        return;
      }
      if (key === "dataset") {
        Object.assign(node.dataset, value);
      } else if (key === "className" || key === "textContent" ||
                 key === "value" || key === "htmlFor") {
        node[key] = value;
      } else if (key.startsWith("on")) {
        node.addEventListener(key.slice(2), value);
      } else if (value === true) {
        node.setAttribute(key, "");
      } else {
        node.setAttribute(key, String(value));
      }
    });
    for (let i = 2; i < arguments.length; i += 1) {
      append(node, arguments[i]);
    }
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) {
      return;
    }
    if (Array.isArray(child)) {
      child.forEach(function (c) { append(node, c); });
    } else if (child instanceof Node) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
    return node;
  }

  /* Replace the children of node with the given children (arrays,
   * strings and nodes; null and false are skipped). */
  function fill(node) {
    clear(node);
    for (let i = 1; i < arguments.length; i += 1) {
      append(node, arguments[i]);
    }
    return node;
  }

  /* API times are UTC without a zone: "2026-01-02T03:04:05.678". */
  function parseTime(value) {
    if (!value) {
      return null;
    }
    const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z";
    const date = new Date(zoned);
    return isNaN(date.getTime()) ? null : date;
  }

  function formatTime(value) {
    const date = value instanceof Date ? value : parseTime(value);
    if (!date) {
      return "—";
    }
    return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  /* A Date as the value of an <input type="datetime-local"> (UTC). */
  function toInputValue(date) {
    return date.toISOString().slice(0, 16);
  }

  /* An <input type="datetime-local"> value (UTC) as the API's format. */
  function fromInputValue(value) {
    if (!value) {
      return null;
    }
    return value.length === 16 ? value + ":00" : value;
  }

  function shortId(uuid) {
    return uuid ? uuid.slice(0, 8) : "—";
  }

  /* A uuid shown short, complete in its title and for screen readers. */
  function uuidCell(uuid) {
    if (!uuid) {
      return "—";
    }
    return el("code", {title: uuid, className: "uuid",
                       "aria-label": uuid}, shortId(uuid));
  }

  function badge(status, kind) {
    const text = status || "unknown";
    return el("span", {className: "badge badge-" + (kind || "status") +
                       " badge-" + text.replace(/\s+/g, "-")}, text);
  }

  /* A table: columns [{title, render(row) -> node|string, className}]. */
  function table(caption, columns, rows, rowAttrs) {
    const head = el("thead", null, el("tr", null, columns.map(function (c) {
      return el("th", {scope: "col", className: c.className}, c.title);
    })));
    const body = el("tbody");
    rows.forEach(function (row) {
      const tr = el("tr", rowAttrs ? rowAttrs(row) : null);
      columns.forEach(function (c) {
        tr.appendChild(el("td", {className: c.className}, c.render(row)));
      });
      body.appendChild(tr);
    });
    if (!rows.length) {
      body.appendChild(el("tr", {className: "empty"}, el(
        "td", {colspan: columns.length}, "No items to display.")));
    }
    return el("div", {className: "table-wrap"},
              el("table", {className: "table"},
                 el("caption", null, caption), head, body));
  }

  function messages() {
    return document.getElementById("messages");
  }

  function clearMessages() {
    clear(messages());
  }

  function showMessage(kind, text) {
    const close = el("button", {type: "button", className: "btn-close",
                                "aria-label": "Dismiss message"}, "×");
    const box = el("div", {className: "alert alert-" + kind,
                           role: kind === "danger" ? "alert" : "status"},
                   el("span", {className: "alert-text"}, text), close);
    close.addEventListener("click", function () { box.remove(); });
    messages().appendChild(box);
    return box;
  }

  function showError(err) {
    const text = err && err.message ? err.message : String(err);
    return showMessage("danger", "Error: " + text);
  }

  function showSuccess(text) {
    return showMessage("success", text);
  }

  function button(label, onClick, className, attrs) {
    return el("button", Object.assign({type: "button",
                                       className: "btn " +
                                         (className || "btn-default"),
                                       onclick: onClick}, attrs || {}),
              label);
  }

  /* A labelled form field: label + input (or select) with an id. */
  function field(id, labelText, control, help) {
    control.id = id;
    return el("div", {className: "field"},
              el("label", {htmlFor: id}, labelText), control,
              help ? el("p", {className: "help"}, help) : null);
  }

  return {
    el: el, clear: clear, fill: fill, parseTime: parseTime,
    formatTime: formatTime,
    toInputValue: toInputValue, fromInputValue: fromInputValue,
    shortId: shortId, uuidCell: uuidCell, badge: badge, table: table,
    clearMessages: clearMessages, showMessage: showMessage,
    showError: showError, showSuccess: showSuccess, button: button,
    field: field,
  };
}());
