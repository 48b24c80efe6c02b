// Polls the running job and moves the progress bar; reloads the page when the job ends.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = document.getElementById("bar"), text = document.getElementById("bar-text");
  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      bar.max = Math.max(s.total, 1);
      bar.value = s.done;
      text.textContent = s.done + " / " + s.total;
      if (s.finished) { window.location.reload(); } else { setTimeout(poll, 400); }
    }).catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
