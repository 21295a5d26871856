// Polls /jobs/<id>/ for every .task-progress element and updates its bar until the task finishes.
(function () {
  function poll(box) {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (task) {
        var bar = box.querySelector("progress");
        if (task.percent !== null) { bar.value = task.percent; } else { bar.removeAttribute("value"); }
        box.querySelector(".task-status").textContent = task.status_display;
        box.querySelector(".task-count").textContent = task.total ? task.done.toLocaleString("th-TH") + " / " + task.total.toLocaleString("th-TH") : "";
        box.querySelector(".task-message").textContent = task.message;
        box.dataset.status = task.status;
        if (task.finished) {
          box.dispatchEvent(new CustomEvent("task-finished", { detail: task, bubbles: true }));
          if (box.dataset.doneUrl) { window.location.assign(box.dataset.doneUrl); }
          return;
        }
        setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(box); }, 3000); });
  }
  document.querySelectorAll(".task-progress").forEach(poll);
})();
