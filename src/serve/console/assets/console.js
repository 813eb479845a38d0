// The web console's one script (the Content-Security-Policy allows this file and no inline
// script). Every page works without it; with it:
// - the sign-in page takes the code from the link's fragment (which no server ever saw),
//   removes it from the address bar and the history, and signs in;
// - the Pending page follows the queue: every 2 seconds it asks /pending/version and, when
//   that changed, swaps in the rows of /pending/rows (rendered and escaped by the server),
//   and says what arrived in a live region for screen readers.
"use strict";

(function () {
  function signIn() {
    var form = document.getElementById("login");
    var code = window.location.hash.slice(1);
    if (!form || !code) {
      return;
    }
    window.history.replaceState(null, "", window.location.pathname);
    document.getElementById("code").value = code;
    form.submit();
  }

  function names(rows) {
    return Array.prototype.map.call(rows.querySelectorAll("tr[data-name]"), function (row) {
      return row.getAttribute("data-name");
    });
  }

  function signedOut(live) {
    live.textContent = "Signed out: reload the page to sign in again.";
  }

  function follow() {
    var rows = document.getElementById("pending-rows");
    var live = document.getElementById("live");
    if (!rows || !live) {
      return;
    }
    var busy = false;
    var options = { credentials: "same-origin", cache: "no-store", redirect: "manual" };
    async function poll() {
      if (busy) {
        return;
      }
      busy = true;
      try {
        var answer = await fetch("/pending/version", options);
        if (answer.status !== 200) {
          if (answer.type === "opaqueredirect" || answer.status === 403) {
            signedOut(live);
          }
          return;
        }
        var version = (await answer.text()).trim();
        if (version === rows.getAttribute("data-version")) {
          return;
        }
        var fresh = await fetch("/pending/rows", options);
        if (fresh.status !== 200) {
          return;
        }
        var before = names(rows);
        rows.innerHTML = await fresh.text();
        rows.setAttribute("data-version", fresh.headers.get("x-pending-version") || version);
        var added = names(rows).filter(function (name) {
          return before.indexOf(name) < 0;
        });
        live.textContent = added.length
          ? "New request: " + added.join(", ")
          : "The list of pending requests changed.";
      } catch (error) {
        // The daemon restarting, a network hiccup: the next poll tries again.
      } finally {
        busy = false;
      }
    }
    window.setInterval(poll, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    signIn();
    follow();
  });
  // A link opened in a tab already on the sign-in page changes only the fragment.
  window.addEventListener("hashchange", signIn);
})();
