// coldtrace gateway: small enhancements; every page works without them.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter]").forEach(function (ta) {
    var out = document.getElementById(ta.getAttribute("data-counter"));
    var max = parseInt(ta.getAttribute("maxlength"), 10) || 0;
    if (!out || !max) { return; }
    var update = function () {
      var n = Array.from(ta.value).length;
      out.textContent = n + " / " + max;
    };
    ta.addEventListener("input", update);
    update();
  });
  var cmd = document.getElementById("ack-command");
  if (cmd && navigator.clipboard) {
    cmd.title = "click to copy";
    cmd.addEventListener("click", function () { navigator.clipboard.writeText(cmd.textContent); });
  }
})();
