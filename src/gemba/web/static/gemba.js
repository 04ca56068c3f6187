// Gemba web UI: the little script the pages need besides htmx.
// Forms with data-confirm ask before they are sent (deleting a record).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
