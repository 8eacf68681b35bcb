// The compose form's progressive enhancements. Without this script the form
// works the same: "Enregistrer le brouillon" saves the draft, mentions are
// typed by hand (@username).
// - Autosave: every 10 s, when something changed, the fields (not the files)
//   are sent to the form's data-autosave URL; the status line says when.
// - @mention suggestions: typing "@ab" in the text offers up to 8 people
//   (from data-mention-suggest, the session's own view: members of the
//   person's communities) as buttons below the field; choosing one
//   completes the mention. The count is announced to screen readers.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }

  // ---- autosave ----
  var status = document.getElementById(form.getAttribute("data-draft-status"));
  var savedText = form.getAttribute("data-saved-text") || "";
  function snapshot() {
    var data = new FormData(form);
    data.delete("files");
    data.delete("action");
    return data;
  }
  function key(data) {
    var parts = [];
    data.forEach(function (v, k) {
      if (k !== "csrf" && typeof v === "string") {
        parts.push(k + "=" + v);
      }
    });
    return parts.join("\u0000");
  }
  var last = key(snapshot());
  var busy = false;
  setInterval(function () {
    if (busy) {
      return;
    }
    var data = snapshot();
    var now = key(data);
    if (now === last) {
      return;
    }
    busy = true;
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: data,
      credentials: "same-origin"
    }).then(function (res) {
      if (res.status === 204) {
        last = now;
        if (status) {
          var d = new Date();
          var hh = String(d.getHours()).padStart(2, "0");
          var mm = String(d.getMinutes()).padStart(2, "0");
          status.textContent = savedText + " " + hh + " h " + mm + ".";
        }
      }
    }).catch(function () {}).then(function () {
      busy = false;
    });
  }, 10000);

  // ---- @mention suggestions ----
  var body = form.querySelector("textarea[name=body]");
  var url = form.getAttribute("data-mention-suggest");
  var label = form.getAttribute("data-mention-label") || "@";
  if (!body || !url) {
    return;
  }
  var box = document.createElement("div");
  box.className = "mention-suggestions";
  box.hidden = true;
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  body.parentNode.insertBefore(box, body.nextSibling);
  body.parentNode.insertBefore(live, box.nextSibling);
  var timer = null;

  function typedMention() {
    var upto = body.value.slice(0, body.selectionStart);
    var m = /(^|[\s(])@([\w.\-]{2,30})$/.exec(upto);
    return m ? { prefix: m[2], start: upto.length - m[2].length - 1 } : null;
  }

  function clear() {
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    box.hidden = true;
  }

  function show(found, people) {
    clear();
    if (!people.length) {
      live.textContent = "";
      return;
    }
    var head = document.createElement("span");
    head.className = "muted small";
    head.textContent = label + " ";
    box.appendChild(head);
    people.forEach(function (p) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-ghost btn-small";
      b.textContent = "@" + p.username + (p.name && p.name !== p.username ? " (" + p.name + ")" : "");
      b.addEventListener("click", function () {
        var before = body.value.slice(0, found.start);
        var after = body.value.slice(found.start + 1 + found.prefix.length);
        var inserted = "@" + p.username + " ";
        body.value = before + inserted + after;
        var caret = before.length + inserted.length;
        body.focus();
        body.setSelectionRange(caret, caret);
        clear();
      });
      box.appendChild(b);
    });
    box.hidden = false;
    live.textContent = label + " " + people.length;
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    var found = typedMention();
    if (!found) {
      clear();
      return;
    }
    timer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(found.prefix), { credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.json() : []; })
        .then(function (people) { show(found, people); })
        .catch(function () {});
    }, 200);
  });
})();
