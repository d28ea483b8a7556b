// The card pages' 「印刷する」 button: shown only when this script runs (without it the page
// names the browser's own print command instead).
document.querySelectorAll(".print-button").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
document.querySelectorAll(".print-hint").forEach(function (hint) { hint.hidden = true; });
