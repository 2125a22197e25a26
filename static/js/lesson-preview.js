// The lesson editor's preview, kept up to date while the author types: the page's own Preview
// button, sent in the background a moment after the last key, and its preview section taken from
// the answer. Nothing is saved (the server saves only on Save). Without scripts, the button does it.
(function () {
  "use strict";
  var form = document.querySelector("form.editor[data-live-preview]");
  var text = form && form.querySelector("textarea[name=text]");
  if (!text || !window.fetch || !window.DOMParser || !window.FormData) { return; }
  var timer = null;
  var sent = 0;
  function refresh() {
    var data = new FormData(form);
    data.set("preview", "1");
    data.delete("save");
    var number = ++sent;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html || number !== sent) { return; }  // a later key press has its own request
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("preview");
        var shown = document.getElementById("preview");
        if (!fresh) { return; }
        fresh.setAttribute("aria-live", "polite");
        if (shown) {
          shown.replaceWith(fresh);
        } else {
          form.querySelector(".actions").insertAdjacentElement("afterend", fresh);
        }
      })
      .catch(function () { /* offline: the Preview button still works when the link is back */ });
  }
  text.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 700);
  });
})();
