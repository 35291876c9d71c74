/* esi-leap dashboard: sign-in, navigation and the page shell.
 *
 * Pages are chosen by the URL fragment (#nodes, #offers, #leases,
 * #networks, #findings). Signing in checks the credentials with
 * GET /v1/leases?limit=1 and asks GET /v1/leases?view=all whether the
 * user is an admin (which only changes defaults: the API enforces
 * policy).
 */
"use strict";

(function () {
  const api = window.EsiApi;
  const ui = window.EsiUi;
  const views = window.EsiViews;

  const TITLES = {nodes: "Nodes", offers: "Offers & calendar",
                  leases: "Leases", networks: "Networks",
                  findings: "Audit findings"};
  const DEFAULT_VIEW = "nodes";

  const session = {isAdmin: false};

  function $(id) {
    return document.getElementById(id);
  }

  function describe(auth) {
    return auth.method === "token" ? "Keystone token" : auth.username;
  }

  async function probeAdmin(auth) {
    try {
      await api.request("GET", "/leases?view=all&limit=1", undefined, auth);
      return true;
    } catch (err) {
      if (err.status === 403) {
        return false;
      }
      throw err;
    }
  }

  function showLogin(message) {
    $("app-view").hidden = true;
    $("session").hidden = true;
    $("login-view").hidden = false;
    const box = $("login-error");
    box.hidden = !message;
    box.textContent = message ? "Error: " + message : "";
    const method = document.querySelector("input[name=method]:checked");
    (method && method.value === "token" ? $("login-token") :
      $("login-username")).focus();
  }

  function showApp(auth) {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("session").hidden = false;
    $("session-user").textContent = "Signed in as " + describe(auth) +
      (session.isAdmin ? " (admin)" : "");
    route();
  }

  function currentView() {
    const name = window.location.hash.replace(/^#/, "");
    return Object.prototype.hasOwnProperty.call(TITLES, name) ?
      name : DEFAULT_VIEW;
  }

  async function route() {
    if (!api.loadAuth()) {
      showLogin("");
      return;
    }
    const name = currentView();
    document.title = TITLES[name] + " · esi-leap";
    $("breadcrumb-section").textContent = name === "findings" ?
      "Admin" : "Project";
    $("breadcrumb-current").textContent = TITLES[name];
    document.querySelectorAll(".sidebar a").forEach(function (a) {
      if (a.dataset.view === name) {
        a.setAttribute("aria-current", "page");
      } else {
        a.removeAttribute("aria-current");
      }
    });
    ui.clearMessages();
    const container = $("view");
    try {
      await views[name](container, session);
    } catch (err) {
      container.setAttribute("aria-busy", "false");
      if (err.status === 401) {
        api.clearAuth();
        showLogin(err.message);
        return;
      }
      ui.clear(container);
      ui.showError(err);
    }
  }

  function readLoginForm() {
    const method = document.querySelector("input[name=method]:checked").value;
    if (method === "token") {
      return {method: "token", token: $("login-token").value.trim()};
    }
    return {method: "basic", username: $("login-username").value.trim(),
            password: $("login-password").value};
  }

  async function signIn(event) {
    event.preventDefault();
    const auth = readLoginForm();
    if (auth.method === "token" ? !auth.token :
      !auth.username || !auth.password) {
      showLogin(auth.method === "token" ? "Enter a token." :
        "Enter your user name and password.");
      return;
    }
    const submit = $("login-submit");
    submit.disabled = true;
    try {
      await api.request("GET", "/leases?limit=1", undefined, auth);
      session.isAdmin = await probeAdmin(auth);
      api.saveAuth({method: auth.method, token: auth.token,
                    username: auth.username, password: auth.password,
                    isAdmin: session.isAdmin});
      $("login-password").value = "";
      $("login-token").value = "";
      showApp(auth);
    } catch (err) {
      showLogin(err.message);
    } finally {
      submit.disabled = false;
    }
  }

  function signOut() {
    api.clearAuth();
    session.isAdmin = false;
    ui.clear($("view"));
    ui.clearMessages();
    showLogin("");
  }

  function toggleMethod() {
    const token = document.querySelector(
      "input[name=method]:checked").value === "token";
    $("basic-fields").hidden = token;
    $("token-fields").hidden = !token;
  }

  function start() {
    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", signOut);
    document.querySelectorAll("input[name=method]").forEach(function (r) {
      r.addEventListener("change", toggleMethod);
    });
    window.addEventListener("hashchange", function () {
      if (api.loadAuth()) {
        route();
      }
    });
    toggleMethod();
    const auth = api.loadAuth();
    if (auth) {
      session.isAdmin = Boolean(auth.isAdmin);
      showApp(auth);
    } else {
      showLogin("");
    }
  }

  start();
}());
