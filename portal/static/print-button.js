/* A "Print" button is shown only where a script can press the browser's print for the reader;
   without scripts the browser's own print command does the same. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
