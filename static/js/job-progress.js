// The job page without waiting for its refresh: poll the job's status and update the bar,
// reloading the page once the job has ended (the page refreshes itself without JavaScript).
(function () {
  "use strict";
  var bar = document.getElementById("job-progress");
  if (!bar || !window.fetch) { return; }
  function poll() {
    fetch(bar.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        if (status.state === "done" || status.state === "failed") { window.location.reload(); return; }
        bar.max = status.total || 1;
        bar.value = status.done;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
