// The annotate page: turn a text selection into code-point offsets of the stored text, label
// it with a key, open a claim or entity by clicking it, and show the server's refusals.
// Requests and swaps are htmx; this module only fills forms and opens panels.
//
// Offsets: the DOM counts UTF-16 code units, the server counts Unicode code points. The text
// container holds exactly the stored text (marks add no characters), so the number of code
// points before a boundary is its offset.

const $ = (selector) => document.querySelector(selector);
let current = null; // {start, end, text} of the selection inside the article text

export function codePointOffset(container, node, offset) {
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

export function selectionOffsets(container, selection) {
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
  const start = codePointOffset(container, range.startContainer, range.startOffset);
  const end = codePointOffset(container, range.endContainer, range.endOffset);
  return end > start ? { start, end, text: range.toString() } : null;
}

function setSelection(found) {
  current = found;
  for (const [prefix] of [["claim"], ["add"]]) {
    const start = document.getElementById(`${prefix}-start`);
    const end = document.getElementById(`${prefix}-end`);
    if (start && end) {
      start.value = found ? found.start : "";
      end.value = found ? found.end : "";
    }
  }
  document.querySelectorAll(".label-button").forEach((b) => { b.disabled = !found; });
  const preview = $("#selection-preview");
  if (preview) {
    preview.hidden = !found;
    preview.textContent = found ? `“${found.text.trim()}”` : "";
  }
  const hint = $("#selection-hint");
  if (hint) hint.hidden = Boolean(found);
  const addMention = $("#add-mention");
  if (addMention) addMention.hidden = !found;
}

function readSelection() {
  const container = $("#article-text");
  if (container) setSelection(selectionOffsets(container, window.getSelection()));
}

function closePanels() {
  window.getSelection()?.removeAllRanges();
  setSelection(null);
  for (const id of ["claim-panel", "mention-panel"]) {
    const panel = document.getElementById(id);
    if (panel) panel.hidden = true;
  }
}

function openPanel(kind, id) {
  const container = $("#article-text");
  const template = container.dataset[kind === "claim" ? "claimUrl" : "mentionUrl"];
  const url = template.replace(/\/0\/$/, `/${id}/`);
  window.htmx.ajax("GET", url, { target: `#${kind}-panel`, swap: "outerHTML" });
}

function flash(claimId) {
  const marks = document.querySelectorAll(`#article-text mark[data-claims~="${CSS.escape(claimId)}"]`);
  if (!marks.length) return;
  marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
  marks.forEach((m) => {
    m.classList.remove("flash");
    void m.offsetWidth; // restart the animation
    m.classList.add("flash");
  });
}

function toast(message) {
  const box = $("#toast");
  if (!box) return;
  box.textContent = message;
  box.hidden = false;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => { box.hidden = true; }, 6000);
}

const typing = (el) => el.closest("input, textarea, select, [contenteditable]");

document.addEventListener("mouseup", (event) => {
  if (event.target.closest("#article-text")) readSelection();
});

document.addEventListener("keyup", (event) => {
  if (event.shiftKey && !typing(event.target)) readSelection();
});

document.addEventListener("keydown", (event) => {
  if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") {
    closePanels();
    return;
  }
  if (event.key === "?") {
    $("#shortcuts-dialog")?.showModal();
    event.preventDefault();
    return;
  }
  // With a suggestion open and nothing selected, its accept and reject keys review it.
  const review = document.querySelector(`#claim-panel:not([hidden]) [data-review-key="${CSS.escape(event.key.toLowerCase())}"]`);
  if (review && !current) {
    event.preventDefault();
    // The panel may have been swapped in a moment ago: make sure htmx has taken over its
    // forms, or the click would submit the page the plain way.
    window.htmx.process(review.form);
    review.click();
    return;
  }
  if (!current) return;
  const button = document.querySelector(`.label-button[data-key="${CSS.escape(event.key.toLowerCase())}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("#show-shortcuts")) {
    $("#shortcuts-dialog")?.showModal();
    return;
  }
  const link = event.target.closest("[data-claim-link]");
  if (link) {
    event.preventDefault();
    flash(link.dataset.claimLink);
    openPanel("claim", link.dataset.claimLink);
    return;
  }
  const mark = event.target.closest("#article-text mark");
  if (!mark || !window.getSelection().isCollapsed) return;
  if (mark.dataset.claim) openPanel("claim", mark.dataset.claim);
  if (mark.dataset.ent) openPanel("mention", mark.dataset.ent);
});

// A refused or failed request must never pass silently.
const REFUSALS = {
  403: "You are not allowed to do that: only the claim's author or an admin can change it.",
  404: "That no longer exists. Reload the page to see the current state.",
};
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  toast(REFUSALS[status] || `The server could not do that (error ${status}). Try again, or reload the page.`);
});
document.addEventListener("htmx:sendError", () => toast("The server cannot be reached. Check your connection and try again."));
// A claim is being made from the selection: the selection is used up at once, so a second
// label key pressed before the answer cannot make a second claim on the same span.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.detail.elt.closest?.("#claim-create")) {
    window.getSelection()?.removeAllRanges();
    setSelection(null);
  }
});
document.addEventListener("htmx:afterSwap", (event) => {
  // A new entity was added from the selection: the selection is used up.
  if (["annotator", "mention-panel"].includes(event.detail.target.id)) setSelection(null);
  // After a review the panel holds the next suggestion: bring it into view.
  const next = document.querySelector("#claim-panel[data-flash]");
  if (next) flash(next.dataset.flash);
});
