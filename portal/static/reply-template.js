/* Enhancement only: choosing a reply template fills the textarea without reloading the page
   (without scripts, the chooser's own submit button reloads the page with the template). */
(function () {
  "use strict";
  var chooser = document.getElementById("template");
  var body = document.getElementById("body");
  if (!chooser || !body) { return; }
  chooser.addEventListener("change", function () {
    var option = chooser.options[chooser.selectedIndex];
    if (option && option.dataset.body !== undefined && option.value) { body.value = option.dataset.body; body.focus(); }
  });
}());
