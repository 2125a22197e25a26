// The PIN field shows the number keypad on phones (inputmode="numeric", set by the page); someone
// who types an e-mail address as their identifier is staff with a password: give them letters.
(function () {
  "use strict";
  document.querySelectorAll("input[data-keypad-for]").forEach(function (secret) {
    var identifier = document.getElementById(secret.dataset.keypadFor);
    if (!identifier) { return; }
    function follow() {
      secret.inputMode = identifier.value.indexOf("@") === -1 ? "numeric" : "text";
    }
    identifier.addEventListener("input", follow);
    follow();
  });
})();
