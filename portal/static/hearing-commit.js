// Progressive enhancement for the commitment form: compute SHA-256(prefix + secret) in the browser and
// send only the commitment, so the server never sees the secret before it is revealed. Without
// scripts (or without WebCrypto, outside HTTPS) the form posts the secret and the server computes it.
(function () {
  var form = document.getElementById("commit-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  form.addEventListener("submit", function (event) {
    var secret = form.querySelector("[name$='secret']");
    var commitment = form.querySelector("[name$='commitment']");
    if (!secret || !commitment || !secret.value || commitment.value || form.dataset.hashed) { return; }
    // Let the server explain a secret that breaks the rules (16-256 characters, no outer spaces).
    if (secret.value.length < 16 || secret.value.trim() !== secret.value) { return; }
    event.preventDefault();
    var text = new TextEncoder().encode(form.dataset.prefix + secret.value);
    window.crypto.subtle.digest("SHA-256", text).then(function (digest) {
      commitment.value = Array.from(new Uint8Array(digest)).map(function (b) {
        return b.toString(16).padStart(2, "0");
      }).join("");
      secret.removeAttribute("name");
      form.dataset.hashed = "1";
      form.submit();
    });
  });
})();
