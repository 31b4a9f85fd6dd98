// The coding screen: number keys apply codes, j/k move between posts, u undoes,
// and a text selection inside the post turns the next code into a passage code.
// Positions are sent as the browser counts them (UTF-16 units); the server converts
// them to code points and widens them to whole characters (emoji, flags, accents).
(function () {
  "use strict";

  function paintSwatches(root) {
    // Colours come from the codebook; CSP forbids style attributes in the HTML.
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.getAttribute("data-colour");
    });
    // Coded passages keep a light background (readable) and the code's colour below.
    root.querySelectorAll("[data-underline]").forEach(function (el) {
      el.style.borderBottomColor = el.getAttribute("data-underline");
    });
  }

  function postText() {
    return document.getElementById("post-text");
  }

  function offsetWithin(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length; // UTF-16 units, like every JS string length
  }

  function currentSpan() {
    var text = postText();
    var selection = window.getSelection();
    if (!text || !selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
    var start = offsetWithin(text, range.startContainer, range.startOffset);
    var end = offsetWithin(text, range.endContainer, range.endOffset);
    return start === end ? null : { start: start, end: end, text: range.toString() };
  }

  function syncSelection() {
    var span = currentSpan();
    var start = document.getElementById("span-start");
    var end = document.getElementById("span-end");
    var hint = document.getElementById("selection-hint");
    if (!start || !end) return;
    start.value = span ? span.start : "";
    end.value = span ? span.end : "";
    if (hint) {
      hint.textContent = span
        ? "Passage selected: the next code applies to it only."
        : "Select text to code a passage; otherwise codes apply to the whole post.";
    }
  }

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function click(selector) {
    var el = document.querySelector(selector);
    if (el) el.click();
    return Boolean(el);
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    var handled = false;
    if (/^[1-9]$/.test(key)) {
      syncSelection();
      handled = click('#code-form button[data-key="' + key + '"]');
    } else if (key === "j" || key === "ArrowRight") {
      handled = click("#next-post");
    } else if (key === "k" || key === "ArrowLeft") {
      handled = click("#previous-post");
    } else if (key === "u") {
      handled = click("#undo-form button");
    }
    if (handled) event.preventDefault();
  });

  // Keep the passage selected while a code button is pressed with the mouse.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".code-button")) event.preventDefault();
  });
  document.addEventListener("selectionchange", syncSelection);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    paintSwatches(event.target); // the post's text, repainted with its coded passages
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    paintSwatches(event.target);
    var selection = window.getSelection();
    if (selection) selection.removeAllRanges();
    syncSelection();
  });
  document.addEventListener("DOMContentLoaded", function () {
    paintSwatches(document);
  });
})();
