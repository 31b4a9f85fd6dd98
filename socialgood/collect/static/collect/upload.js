// The upload page: drop files on the box, see what was chosen, watch the upload's progress.
// Without this script the same form still works: a plain file input and a normal POST.
(function () {
  "use strict";

  var form = document.querySelector("form[data-upload]");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-dropzone]");
  var chosen = form.querySelector("[data-chosen]");
  var errorBox = form.querySelector("[data-error]");
  var progressBox = form.querySelector("[data-progress]");
  var bar = progressBox.querySelector("progress");
  var progressText = progressBox.querySelector("[data-progress-text]");
  var abortButton = progressBox.querySelector("[data-abort]");
  var submitButton = form.querySelector("[data-submit]");
  var maxBytes = Number(form.getAttribute("data-max-bytes"));
  var maxLabel = form.getAttribute("data-max-label");
  var maxFiles = Number(form.getAttribute("data-max-files")) || Infinity;
  var tooManyFiles = form.getAttribute("data-too-many-files");
  var request = null;
  var tooLargeForServer = "These files are too large for the server to take at once. " +
    "Upload fewer files at a time, or import large files on the server with the command " +
    "“socialgood import”.";

  function size(bytes) {
    var units = ["bytes", "KB", "MB", "GB", "TB"];
    var i = 0;
    while (bytes >= 1024 && i < units.length - 1) {
      bytes /= 1024;
      i += 1;
    }
    return (i === 0 ? bytes : bytes.toFixed(1)) + " " + units[i];
  }

  function totalSize() {
    var total = 0;
    for (var i = 0; i < input.files.length; i += 1) total += input.files[i].size;
    return total;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function tooLarge() {
    if (input.files.length > maxFiles) return tooManyFiles;
    var total = totalSize();
    if (total <= maxBytes) return "";
    return "These files are too large for the browser: " + size(total) + " together, and the " +
      "limit is " + maxLabel + " per upload. Upload fewer files at a time, or import large " +
      "files on the server with the command “socialgood import”.";
  }

  // A folder of daily files would list hundreds of lines and push the form's message
  // and button far down the page: the first ones are named, then the count and total.
  var SHOW_FILES = 10;

  function listChosen() {
    chosen.textContent = "";
    var count = input.files.length;
    function line(text) {
      var item = document.createElement("li");
      item.textContent = text;
      chosen.appendChild(item);
    }
    for (var i = 0; i < Math.min(count, SHOW_FILES); i += 1) {
      line(input.files[i].name + " (" + size(input.files[i].size) + ")");
    }
    var more = count - SHOW_FILES;
    if (more > 0) line("and " + more + (more === 1 ? " more file" : " more files"));
    if (count > 1) line("In all: " + count + " files, " + size(totalSize()));
    showError(tooLarge());
  }

  input.addEventListener("change", listChosen);

  // A file dropped outside the box would make the browser open it and leave the page.
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) { event.preventDefault(); });
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    listChosen();
  });

  // What to say when the server answered with a page, not a result.
  function withoutAnswer(status) {
    if (status < 300) {
      return "The upload did not go through: you may have been logged out. Reload this " +
        "page, log in again if asked, and upload the files again. Nothing was imported.";
    }
    if (status === 403) {
      return "The server refused the upload (error 403). Reload this page and try again; " +
        "if it happens again, ask the project's owner whether your role may import files.";
    }
    if (status === 413) return tooLargeForServer;
    if (status >= 500) {
      return "The server had a problem (error " + status + ") and nothing was imported. " +
        "Try again in a few minutes.";
    }
    return "The server could not take the upload (error " + status + "). Try again.";
  }

  function finished() {
    request = null;
    progressBox.hidden = true;
    submitButton.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    if (!window.FormData || !("upload" in new XMLHttpRequest())) return; // plain POST
    event.preventDefault();
    if (request) return;
    if (!input.files.length) {
      showError("Choose at least one file to import.");
      input.focus();
      return;
    }
    var problem = tooLarge();
    if (problem) {
      showError(problem);
      return;
    }
    showError("");
    var total = totalSize();
    request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (e) {
      var done = e.lengthComputable ? e.loaded : 0;
      var percent = e.lengthComputable && e.total ? Math.round((100 * e.loaded) / e.total) : 0;
      bar.value = percent;
      progressText.textContent = "Uploading: " + size(Math.min(done, total)) + " of " +
        size(total) + " (" + percent + "%)";
    });
    request.upload.addEventListener("load", function () {
      bar.value = 100;
      progressText.textContent = "Uploaded. Starting the import…";
    });
    request.addEventListener("load", function () {
      var status = this.status;
      var answer = null;
      try {
        answer = JSON.parse(this.responseText);
      } catch (e) {
        answer = null;
      }
      if (answer && answer.redirect) {
        request = null; // received: leaving now is no longer losing the upload
        window.location.assign(answer.redirect);
        return;
      }
      finished();
      showError((answer && answer.error) || withoutAnswer(status));
    });
    request.addEventListener("error", function () {
      finished();
      showError("The upload failed: the connection was lost. Try again.");
    });
    request.addEventListener("abort", function () {
      finished();
      showError("Upload stopped. Nothing was imported.");
    });
    bar.value = 0;
    progressText.textContent = "Starting the upload…";
    progressBox.hidden = false;
    submitButton.disabled = true;
    request.send(new FormData(form));
    abortButton.focus();
  });

  // Leaving the page (a link, reload, closing the tab) would drop an upload that may
  // have run for many minutes: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (!request) return;
    event.preventDefault();
    event.returnValue = "";
  });

  abortButton.addEventListener("click", function () {
    if (request) request.abort();
  });
})();
