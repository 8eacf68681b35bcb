// Tag suggestions while typing in a publication's tags field (compose and
// edit forms). Progressive enhancement: without this script the field's
// <datalist> holds the most used tags and the "Suggest tags" button asks the
// server. Here, the list follows the last tag being typed (after the last
// comma), fetched from /tags.json (the session's own view: only tags of
// publications the person may see), debounced.
(function () {
  "use strict";
  var input = document.querySelector("input[data-tag-suggest]");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.getElementById(input.getAttribute("list"));
  var status = document.getElementById(input.getAttribute("data-tag-status"));
  var url = input.getAttribute("data-tag-suggest");
  var timer = null;
  var asked = null;
  var pending = null;

  function norm(t) {
    return t.trim().replace(/^#/, "").trim().toLowerCase().split(/\s+/).join("-");
  }

  // "vélo, mobi" → head "vélo," (kept as typed) and typed "mobi".
  function split(value) {
    var i = value.lastIndexOf(",");
    return {
      head: i < 0 ? "" : value.slice(0, i + 1),
      typed: value.slice(i + 1).trim()
    };
  }

  function fill(head, tags) {
    var already = head.split(",").map(norm);
    var prefix = head ? head.replace(/\s+$/, "") + " " : "";
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    var shown = 0;
    tags.forEach(function (t) {
      if (already.indexOf(t.name) >= 0) {
        return;
      }
      var option = document.createElement("option");
      // A datalist choice replaces the whole value: keep the tags before.
      option.value = prefix + t.label;
      option.label = t.label + " (" + t.count + ")";
      list.appendChild(option);
      shown += 1;
    });
    if (status) {
      status.textContent = status.getAttribute(shown ? "data-found" : "data-none");
    }
  }

  function ask() {
    var value = input.value;
    if (value === asked) {
      return;
    }
    asked = value;
    var parts = split(value);
    if (pending) {
      pending.abort();
    }
    pending = window.AbortController ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(parts.typed), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: pending ? pending.signal : undefined
    })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (tags) {
        if (tags && input.value === value) {
          fill(parts.head, tags);
        }
      })
      .catch(function () {
        // Offline or aborted: the list keeps what it had.
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 250);
  });
})();
