/* The confirmation before an irreversible action, as a dialog on the same page.

   A form with data-confirm-title / -text / -yes / -no asks in a native <dialog> before it is sent:
   "yes" adds confirmed=1 and sends the form (the server acts at once), "no" or Escape closes the dialog
   and leaves the form as typed. Without scripts (or without <dialog>) the form posts unconfirmed and
   the server answers with its own confirmation page. A submit button with data-no-confirm (e.g.
   "Add another part") sends the form without asking. */
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function") { return; }
  var forms = document.querySelectorAll("form[data-confirm-title]");
  if (!forms.length) { return; }

  var dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  dialog.id = "confirm-dialog";
  dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
  dialog.setAttribute("aria-describedby", "confirm-dialog-text");
  dialog.tabIndex = -1;
  var heading = document.createElement("h2");
  heading.id = "confirm-dialog-title";
  var text = document.createElement("p");
  text.id = "confirm-dialog-text";
  var facts = document.createElement("dl");
  facts.className = "facts";
  var buttons = document.createElement("p");
  buttons.className = "confirm-dialog-buttons";
  var yes = document.createElement("button");
  yes.type = "button";
  var no = document.createElement("button");
  no.type = "button";
  no.className = "secondary";
  buttons.appendChild(yes);
  buttons.appendChild(no);
  dialog.appendChild(heading);
  dialog.appendChild(text);
  dialog.appendChild(facts);
  dialog.appendChild(buttons);
  document.body.appendChild(dialog);

  var pending = null;  // {form, submitter} while the dialog asks

  function labelOf(field) {
    if (field.type === "radio") {
      var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
      return legend ? legend.textContent : "";
    }
    var label = field.labels && field.labels[0] ? field.labels[0].textContent : "";
    var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    return legend ? legend.textContent.trim() + " · " + label : label;  // "Part 2 · Title"
  }

  function valueOf(field) {
    if (field.tagName === "SELECT") {
      return Array.prototype.map.call(field.selectedOptions, function (o) { return o.textContent; }).join(", ");
    }
    if (field.type === "radio") {
      return field.labels && field.labels[0] ? field.labels[0].textContent : field.value;
    }
    return field.value;
  }

  // What will be sent, as the confirmation page shows it: every filled-in field with its label.
  function showTyped(form) {
    facts.textContent = "";
    Array.prototype.forEach.call(form.elements, function (field) {
      var typed = field.tagName === "TEXTAREA" || field.tagName === "SELECT" ||
        (field.tagName === "INPUT" && (field.type === "text" || field.type === "number" ||
          (field.type === "radio" && field.checked)));
      // A select left at its empty choice ("— none —", value 0) sends nothing worth showing.
      var unset = field.tagName === "SELECT" && (field.value === "" || field.value === "0");
      var value = typed && !unset ? valueOf(field).trim() : "";
      if (!value) { return; }
      var dt = document.createElement("dt");
      dt.textContent = labelOf(field).replace(/\s*\*\s*$/, "").trim();
      var dd = document.createElement("dd");
      dd.className = "prewrap";
      dd.textContent = value;
      facts.appendChild(dt);
      facts.appendChild(dd);
    });
    facts.hidden = !facts.firstChild;
  }

  function ask(form, submitter) {
    pending = { form: form, submitter: submitter };
    heading.textContent = form.dataset.confirmTitle;
    text.textContent = form.dataset.confirmText || "";
    yes.textContent = form.dataset.confirmYes;
    no.textContent = form.dataset.confirmNo;
    showTyped(form);
    dialog.showModal();
    dialog.focus();  // the dialog itself: its title and text are read first, then Tab reaches the buttons
  }

  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter || null;
      if (form.dataset.confirmedByDialog === "1" || (submitter && submitter.hasAttribute("data-no-confirm"))) {
        return;
      }
      event.preventDefault();
      ask(form, submitter);
    });
  });

  yes.addEventListener("click", function () {
    var form = pending.form;
    var submitter = pending.submitter;
    pending = null;
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    confirmed.setAttribute("data-added-by-dialog", "");
    form.appendChild(confirmed);
    form.dataset.confirmedByDialog = "1";
    dialog.close();
    if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
  });

  no.addEventListener("click", function () { dialog.close(); });

  // Escape (the dialog's "cancel") and "no" both close it; focus returns to the button that asked.
  dialog.addEventListener("close", function () {
    if (pending) {
      var back = pending.submitter || pending.form.querySelector("[type=submit]");
      pending = null;
      if (back) { back.focus(); }
    }
  });

  // Coming back with the browser's Back button must ask again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(forms, function (form) {
      delete form.dataset.confirmedByDialog;
      Array.prototype.forEach.call(form.querySelectorAll("input[data-added-by-dialog]"), function (input) {
        input.remove();
      });
    });
  });
}());
