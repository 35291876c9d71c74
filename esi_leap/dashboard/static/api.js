/* esi-leap dashboard: credentials and calls to the /v1 API.
 *
 * Credentials live in sessionStorage (this tab only) and go with every
 * request: "Authorization: Basic" for local users, "X-Auth-Token" for a
 * Keystone token. Requests use credentials: "omit" so that the browser
 * neither adds its own nor prompts for a password on a 401.
 */
"use strict";

window.EsiApi = (function () {
  const STORE_KEY = "esi-leap-dashboard-auth";

  /* The API root: /v1 next to the dashboard, whatever prefix both have. */
  const base = new URL("../v1", window.location.href).pathname;

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.name = "ApiError";
      this.status = status;
    }
  }

  function loadAuth() {
    try {
      const raw = window.sessionStorage.getItem(STORE_KEY);
      return raw ? JSON.parse(raw) : null;
    } catch (err) {
      return null;
    }
  }

  function saveAuth(auth) {
    window.sessionStorage.setItem(STORE_KEY, JSON.stringify(auth));
  }

  function clearAuth() {
    window.sessionStorage.removeItem(STORE_KEY);
  }

  function encodeBasic(username, password) {
    /* btoa only takes Latin-1: encode UTF-8 first. */
    const bytes = new TextEncoder().encode(username + ":" + password);
    let binary = "";
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return window.btoa(binary);
  }

  function authHeaders(auth) {
    if (!auth) {
      return {};
    }
    if (auth.method === "token") {
      return {"X-Auth-Token": auth.token};
    }
    return {"Authorization": "Basic " + encodeBasic(auth.username,
                                                     auth.password)};
  }

  async function errorOf(response) {
    let message = "";
    try {
      const body = await response.json();
      message = (body && (body.faultstring || body.message ||
                          (body.error && body.error.message))) || "";
    } catch (err) {
      message = "";
    }
    if (!message) {
      message = "The server answered " + response.status + " " +
        response.statusText + ".";
    }
    return new ApiError(response.status, message);
  }

  /* Call the API; path is relative to /v1 ("/nodes") or a full path
   * starting with the API root (a "next" link). Resolves to the parsed
   * JSON body (null when empty); rejects with ApiError. */
  async function request(method, path, body, auth) {
    const headers = Object.assign({"Accept": "application/json"},
                                  authHeaders(auth || loadAuth()));
    const init = {method: method, headers: headers, credentials: "omit",
                  cache: "no-store"};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const url = path.startsWith(base) || /^https?:/.test(path) ?
      path : base + path;
    let response;
    try {
      response = await window.fetch(url, init);
    } catch (err) {
      throw new ApiError(0, "Cannot reach the esi-leap API: " +
                         err.message);
    }
    if (!response.ok) {
      throw await errorOf(response);
    }
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  /* GET a list, following "next" links; resolves to the array. */
  async function list(path, key, params) {
    let url = path;
    const query = new URLSearchParams(params || {}).toString();
    if (query) {
      url += "?" + query;
    }
    const items = [];
    for (let page = 0; url && page < 100; page += 1) {
      const body = await request("GET", url);
      (body[key] || []).forEach(function (item) { items.push(item); });
      url = body.next ? new URL(body.next, window.location.href).href : null;
    }
    return items;
  }

  return {
    ApiError: ApiError,
    base: base,
    loadAuth: loadAuth,
    saveAuth: saveAuth,
    clearAuth: clearAuth,
    request: request,
    list: list,
    get: function (path) { return request("GET", path); },
    post: function (path, body) { return request("POST", path, body); },
    patch: function (path, body) { return request("PATCH", path, body); },
    del: function (path) { return request("DELETE", path); },
  };
}());
