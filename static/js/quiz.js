// A quiz over a slow or broken link (progressive enhancement: the pages work without this).
//
// On a question page: every question of the attempt is fetched once (the sheet), so the trainee
// moves between questions without waiting for the network. Each answer is kept on the device
// (localStorage) and sent in the background (one request at a time, everything pending in it),
// again and again until the server confirms it. On the review page: what is still kept on the
// device is sent, the marks follow the server's answer, and the submission waits until nothing
// is left. The server stays the judge: it refuses answers after the deadline and scores alone.
(function () {
  "use strict";

  var answerForm = document.getElementById("answer-form");
  var submitForm = document.getElementById("submit-form");
  var root = answerForm || submitForm;
  if (!root || !window.fetch || !window.JSON) {
    return;
  }
  var token = root.querySelector("input[name=csrf_token]").value;
  var statusLine = document.getElementById("save-status");

  // --- The answers kept on this device until the server confirms them ------------------------
  var storeKey = "lms-quiz-answers:" + root.getAttribute("data-attempt");
  var memory = {}; // where localStorage cannot be used (private windows, full storage)

  function loadPending() {
    try {
      var text = window.localStorage.getItem(storeKey);
      return text ? JSON.parse(text) : {};
    } catch (error) {
      return memory;
    }
  }

  function storePending(pending) {
    memory = pending;
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(storeKey, JSON.stringify(pending));
      } else {
        window.localStorage.removeItem(storeKey);
      }
    } catch (error) {
      // memory keeps them for as long as the page is open
    }
  }

  function sameKeys(a, b) {
    return (a || []).slice().sort().join(" ") === (b || []).slice().sort().join(" ");
  }

  var sending = false;
  var failures = 0;
  var retryTimer = null;
  var problem = null; // a message from the server that the trainee must see
  var whenDrained = [];

  function pendingCount() {
    return Object.keys(loadPending()).length;
  }

  function showStatus() {
    if (!statusLine) {
      return;
    }
    var count = pendingCount();
    var text;
    if (problem) {
      text = problem;
    } else if (!count && !sending) {
      text = statusLine.getAttribute("data-saved");
    } else if (failures || !navigator.onLine) {
      text = statusLine.getAttribute("data-waiting").replace("{n}", String(count));
    } else {
      text = statusLine.getAttribute("data-saving");
    }
    statusLine.textContent = text;
    statusLine.className = "save-status" + (problem ? " notice notice-error" : failures ? " notice notice-warning" : "");
    statusLine.hidden = false;
  }

  function keep(position, keys) {
    var pending = loadPending();
    pending[position] = keys;
    storePending(pending);
    send();
  }

  function retryLater() {
    failures += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, Math.min(30000, 2000 * Math.pow(2, failures - 1)));
    showStatus();
  }

  function send() {
    if (sending) {
      return;
    }
    var pending = loadPending();
    var positions = Object.keys(pending);
    if (!positions.length) {
      showStatus();
      var waiting = whenDrained;
      whenDrained = [];
      waiting.forEach(function (callback) { callback(); });
      return;
    }
    sending = true;
    clearTimeout(retryTimer);
    showStatus();
    var body = JSON.stringify({
      answers: positions.map(function (position) {
        return { question: Number(position), answer: pending[position] };
      })
    });
    fetch(root.getAttribute("data-answers-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: body
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? response.json() : Promise.resolve(null)).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (reply) {
      sending = false;
      var data = reply.data || {};
      if (reply.status === 200 && data.saved) {
        failures = 0;
        problem = null;
        forgetSent(pending);
        confirmed(data.answered || []);
        send();
      } else if (data.closed) {
        storePending({});
        window.location.assign(root.getAttribute("data-result-url"));
      } else if (data.refused) {
        // These answers can never be saved (a question or option that is not the attempt's).
        forgetSent(pending);
        problem = data.error;
        send();
      } else {
        // Signed out, an expired form, a server error: kept, and tried again.
        problem = data.error || null;
        retryLater();
      }
    }, function () {
      sending = false;
      retryLater();
    });
  }

  function forgetSent(sent) {
    var now = loadPending();
    Object.keys(sent).forEach(function (position) {
      if (sameKeys(now[position], sent[position]) && now.hasOwnProperty(position)) {
        delete now[position];
      }
    });
    storePending(now);
  }

  function drained(callback) {
    whenDrained.push(callback);
    send();
  }

  window.addEventListener("online", function () {
    failures = 0;
    send();
  });
  window.addEventListener("offline", showStatus);

  var confirmed = function () {};

  // --- The review page: send what is kept, then let the submission go ------------------------
  if (submitForm) {
    var list = document.querySelector("ol.review");
    var unanswered = document.getElementById("unanswered");
    confirmed = function (answered) {
      var missing = 0;
      list.querySelectorAll("li[data-position]").forEach(function (item) {
        var state = item.querySelector(".answer-state");
        var position = Number(item.getAttribute("data-position"));
        state.textContent = "";
        if (answered.indexOf(position) >= 0) {
          state.textContent = list.getAttribute("data-answered");
        } else {
          var strong = document.createElement("strong");
          strong.textContent = list.getAttribute("data-unanswered");
          state.appendChild(strong);
          missing += 1;
        }
      });
      unanswered.hidden = !missing;
      unanswered.textContent = unanswered.getAttribute("data-template").replace("{n}", String(missing));
    };
    var submitting = false;
    submitForm.addEventListener("submit", function (event) {
      if (!pendingCount()) {
        return;
      }
      event.preventDefault();
      if (!submitting) {
        submitting = true;
        drained(function () { submitForm.submit(); });
      }
    });
    if (pendingCount()) {
      send();
    }
    return;
  }

  // --- A question page: every question at hand --------------------------------------------------
  var body = document.getElementById("question-body");
  var label = document.getElementById("question-label");
  var nav = document.querySelector(".question-nav");
  var navButtons = nav.querySelectorAll("button[data-to]");
  var position = Number(answerForm.getAttribute("data-position"));
  var questions = null; // position -> <template>, once the sheet has arrived
  var answers = {}; // position -> the keys chosen, as this page knows them
  var reviewWanted = false;

  function urlOf(to) {
    return navButtons[to - 1].getAttribute("formaction");
  }

  function chosenOnPage() {
    var keys = [];
    body.querySelectorAll("input[name=answer]").forEach(function (input) {
      if (input.checked) {
        keys.push(input.value);
      }
    });
    return keys;
  }

  function showChosen(keys) {
    body.querySelectorAll("input[name=answer]").forEach(function (input) {
      input.checked = keys.indexOf(input.value) >= 0;
    });
  }

  function markAnswered(at, isAnswered) {
    var item = navButtons[at - 1].parentNode;
    var mark = item.querySelector(".answered");
    if (isAnswered && !mark) {
      mark = document.createElement("span");
      mark.className = "answered";
      var words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = " " + nav.getAttribute("data-answered");
      var tick = document.createElement("span");
      tick.setAttribute("aria-hidden", "true");
      tick.textContent = "✓";
      mark.appendChild(words);
      mark.appendChild(tick);
      item.appendChild(mark);
    } else if (!isAnswered && mark) {
      item.removeChild(mark);
    }
  }

  confirmed = function () {
    if (reviewWanted && !pendingCount()) {
      window.location.assign(root.querySelector("button[data-to=review]").getAttribute("formaction"));
    }
  };

  // What the device still keeps (an earlier page that lost the link) is shown, and sent again.
  var kept = loadPending();
  Object.keys(kept).forEach(function (at) {
    answers[at] = kept[at];
    markAnswered(Number(at), kept[at].length > 0);
  });
  if (kept[position]) {
    showChosen(kept[position]);
  }
  if (Object.keys(kept).length) {
    send();
  }
  // The start of a quiz shows question 1 at the start's address: give it its own.
  window.history.replaceState({ quizPosition: position }, "", urlOf(position));

  function saveCurrent() {
    var keys = chosenOnPage();
    var before = answers.hasOwnProperty(position) ? answers[position] : null;
    if (before === null ? keys.length : !sameKeys(before, keys)) {
      answers[position] = keys;
      markAnswered(position, keys.length > 0);
      keep(position, keys);
    }
  }

  function show(to, push) {
    var template = questions[to];
    body.textContent = "";
    body.appendChild(document.importNode(template.content, true));
    position = to;
    showChosen(answers[to] || []);
    var oldLabel = label.textContent;
    label.textContent = template.getAttribute("data-label");
    if (document.title.indexOf(oldLabel) === 0) {
      document.title = label.textContent + document.title.slice(oldLabel.length);
    }
    navButtons.forEach(function (button, index) {
      if (index + 1 === to) {
        button.setAttribute("aria-current", "page");
      } else {
        button.removeAttribute("aria-current");
      }
    });
    var forward = body.querySelector("button[data-to]");
    answerForm.setAttribute("action", forward.getAttribute("formaction"));
    answerForm.setAttribute("data-position", String(to));
    if (push) {
      window.history.pushState({ quizPosition: to }, "", urlOf(to));
    }
    var heading = body.querySelector("legend h1");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
    window.scrollTo(0, 0);
  }

  var sheetArrived = null; // a promise while the sheet is on its way
  var leaving = false;

  answerForm.addEventListener("submit", function (event) {
    if (leaving || (!questions && !sheetArrived)) {
      return; // no sheet (the link dropped): the form posts as it does without scripts
    }
    event.preventDefault();
    var button = event.submitter || body.querySelector("button[data-to]");
    if (!questions) {
      // The sheet is on its way: waiting for it is shorter than a round trip of the form.
      sheetArrived.then(function () {
        if (questions) {
          go(button);
        } else {
          leaving = true;
          answerForm.requestSubmit ? answerForm.requestSubmit(button) : answerForm.submit();
        }
      });
      return;
    }
    go(button);
  });

  function go(button) {
    var to = button.getAttribute("data-to");
    saveCurrent();
    if (to === "review") {
      if (!pendingCount() || (navigator.onLine && !failures)) {
        // The review page sends again whatever has not been confirmed yet.
        reviewWanted = false;
        window.location.assign(button.getAttribute("formaction"));
      } else {
        reviewWanted = true; // once the link is back and the answers are through
        showStatus();
      }
      return;
    }
    reviewWanted = false;
    show(Number(to), true);
  }

  window.addEventListener("popstate", function (event) {
    var to = event.state && event.state.quizPosition;
    if (questions && to && to !== position) {
      saveCurrent();
      show(to, false);
    }
  });

  // The minutes left, counted down on the server's clock (the server closes the attempt).
  var timeLeft = document.getElementById("time-left");
  var secondsLeft = Number(timeLeft.getAttribute("data-seconds-left"));
  var loadedAt = Date.now();
  setInterval(function () {
    var left = Math.max(0, secondsLeft - (Date.now() - loadedAt) / 1000);
    timeLeft.textContent = timeLeft.getAttribute("data-template").replace("987654", String(Math.floor(left / 60)));
  }, 15000);

  sheetArrived = fetch(root.getAttribute("data-sheet-url"), { credentials: "same-origin" }).then(function (response) {
    return response.ok ? response.text() : null;
  }).then(function (text) {
    if (!text) {
      return;
    }
    var sheet = new DOMParser().parseFromString(text, "text/html");
    var found = {};
    sheet.querySelectorAll("template[data-position]").forEach(function (template) {
      var at = Number(template.getAttribute("data-position"));
      found[at] = template;
      if (!answers.hasOwnProperty(at) && at !== position) {
        var keys = [];
        template.content.querySelectorAll("input[name=answer]").forEach(function (input) {
          if (input.hasAttribute("checked")) {
            keys.push(input.value);
          }
        });
        if (keys.length) {
          answers[at] = keys;
        }
      }
    });
    if (found[position] && Object.keys(found).length === navButtons.length) {
      if (!answers.hasOwnProperty(position)) {
        var onPage = [];
        found[position].content.querySelectorAll("input[name=answer]").forEach(function (input) {
          if (input.hasAttribute("checked")) {
            onPage.push(input.value);
          }
        });
        answers[position] = onPage; // what the server has; the page may show a newer choice
      }
      questions = found;
      answerForm.setAttribute("data-ready", "");
    }
  }).catch(function () {
    // No sheet (the link dropped): the form posts as it does without scripts.
  }).then(function () {
    sheetArrived = null;
  });
})();
