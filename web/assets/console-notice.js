// Crier console, the notices' pages: two small live updates over pages
// that work without this script. The dashboard's "Sending now" section
// and a notice's report while it sends (data-refresh) are fetched again
// every few seconds; the new notice's
// form (data-sms) posts itself as the coordinator types and shows the
// text message's characters, encoding and segments the server counted.
// Both insert HTML the server rendered and escaped.
(function () {
  "use strict";

  var refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    var timer = setInterval(function () {
      if (document.hidden) { return; }
      fetch(refresh.getAttribute("data-refresh"), { credentials: "same-origin" })
        .then(function (res) {
          if (!res.ok || res.redirected) { clearInterval(timer); return null; }
          return res.text();
        })
        .then(function (html) {
          if (html === null) { return; }
          refresh.innerHTML = html;
          // A notice done (or cancelled) no longer changes.
          if (refresh.querySelector("[data-final]")) { clearInterval(timer); }
        })
        .catch(function () {});
    }, 5000);
  }

  var form = document.querySelector("form[data-sms]");
  var figures = document.getElementById("sms-figures");
  if (form && figures) {
    var pending = null;
    var count = function () {
      pending = null;
      fetch(form.getAttribute("data-sms"), {
        method: "POST",
        credentials: "same-origin",
        body: new URLSearchParams(new FormData(form))
      })
        .then(function (res) { return res.ok && !res.redirected ? res.text() : null; })
        .then(function (html) { if (html !== null) { figures.innerHTML = html; } })
        .catch(function () {});
    };
    var later = function () {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(count, 300);
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }
})();
