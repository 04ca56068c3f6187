// Production order detail page: the action buttons (Release, Cancel, Close...) depend on the
// order's status. When the live stream swaps in another status, fetch them again from the
// page itself, so a completed order offers Close and no longer offers Cancel.
document.addEventListener("htmx:sseMessage", function () {
  document.querySelectorAll("[data-live-actions]").forEach(function (actions) {
    var status = document.getElementById(actions.getAttribute("data-live-actions"));
    var now = status && status.getAttribute("data-status");
    if (!now || now === actions.getAttribute("data-status")) {
      return;
    }
    actions.setAttribute("data-status", now); // one fetch per change
    htmx.ajax("GET", window.location.pathname,
              {target: actions, select: "#" + actions.id, swap: "outerHTML"});
  });
});
