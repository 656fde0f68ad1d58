/* Similar suggestions while a resident drafts: progressive enhancement of search/_similar.html.
   The form works without this script (its "check for similar suggestions" button re-renders the
   page with the list); with it, the list follows the typing. Text only: titles go in as text. */
(function () {
  "use strict";
  var container = document.getElementById("similar-suggestions");
  if (!container || !window.fetch) { return; }
  var form = container.closest("form") || document.querySelector("form[data-similar-source]") ||
             document.querySelector("main form:not([role=search])");
  if (!form) { return; }
  var fields = ["title", "problem", "measures"].map(function (name) { return form.elements[name]; })
                                                 .filter(Boolean);
  if (!fields.length) { return; }
  var timer = null, lastText = "", controller = null;

  function draftText() {
    return fields.map(function (f) { return f.value; }).join("\n").trim();
  }

  function render(results) {
    container.textContent = "";
    var p = document.createElement("p");
    if (!results.length) {
      p.textContent = container.getAttribute("data-empty-text");
      container.appendChild(p);
      return;
    }
    p.textContent = container.getAttribute("data-intro-text");
    container.appendChild(p);
    var ul = document.createElement("ul");
    results.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      var status = document.createElement("span");
      status.className = "meta";
      status.textContent = " (" + item.status_label + ")";
      li.appendChild(a);
      li.appendChild(status);
      ul.appendChild(li);
    });
    container.appendChild(ul);
  }

  function lookUp() {
    var text = draftText();
    if (text.length < 4 || text === lastText) { return; }
    lastText = text;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var url = container.getAttribute("data-similar-url") + "?text=" + encodeURIComponent(text.slice(0, 2000));
    fetch(url, { headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { render(data.results || []); } })
      .catch(function () { /* offline or aborted: keep what is shown */ });
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 700);
    });
  });
}());
