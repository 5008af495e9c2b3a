// The annotate page: turn a text selection into code-point offsets of the stored text, label
// it with a key, open a claim or entity by clicking it or with j/k, review, undo and move a
// span's ends from the keyboard, and show the server's refusals. Requests and swaps are
// htmx; this module only fills forms and opens panels.
//
// Keys act only on what the editor can see: a panel out of view is brought into view first,
// and no key or click sends a second claim action while one is waiting for its answer (the
// second would reach a claim that has moved on).
//
// Offsets: the DOM counts UTF-16 code units, the server counts Unicode code points. The text
// container holds exactly the stored text (marks add no characters), so the number of code
// points before a boundary is its offset.

import { drawHandles, drawLinks, moved, submitSpan, textOf } from "./span-handles.js";

const $ = (selector) => document.querySelector(selector);
const CLAIM_ACTIONS = "#claim-panel, #claim-create";
let waiting = false; // a claim action is waiting for its answer
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
  drawLinks(null);
  drawHandles(null);
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

// Is the element on screen (inside the viewport and any scrolled box around it)?
function inView(el) {
  if (!el || el.hidden) return false;
  let rect = el.getBoundingClientRect();
  if (rect.bottom <= 0 || rect.top >= window.innerHeight) return false;
  const box = el.closest(".sidebar");
  if (box && box.scrollHeight > box.clientHeight) {
    const outer = box.getBoundingClientRect();
    rect = { top: Math.max(rect.top, outer.top), bottom: Math.min(rect.bottom, outer.bottom) };
    if (rect.bottom - rect.top < 24) return false;
  }
  return true;
}

function reveal(el) {
  el?.scrollIntoView({ block: "nearest" });
}

// Before a key acts on a panel: the panel is on screen, else it is brought there and the
// key does nothing (the editor sees what the next press will act on).
function visibleOrRevealed(panel) {
  if (inView(panel)) return true;
  reveal(panel);
  toast("The claim panel was out of view; it is shown now. Press the key again.");
  return false;
}

function openClaims() {
  return Array.from(document.querySelectorAll("#claims-list .claims-group:not([hidden]) [data-claim-link]"));
}

// j / k: the next or previous claim in the order the Claims list shows.
function step(direction) {
  const links = openClaims();
  if (!links.length) return;
  const panel = $("#claim-panel");
  const open = panel && !panel.hidden ? panel.dataset.claimId : null;
  const at = links.findIndex((a) => a.dataset.claimLink === open);
  const next = at === -1 ? (direction > 0 ? 0 : links.length - 1) : at + direction;
  if (next < 0 || next >= links.length) {
    toast(direction > 0 ? "That was the last claim in the list." : "That was the first claim in the list.");
    return;
  }
  const id = links[next].dataset.claimLink;
  flash(id);
  openPanel("claim", id);
}

function panelAction(selector) {
  return document.querySelector(`#claim-panel:not([hidden]) ${selector}`);
}

document.addEventListener("keydown", (event) => {
  if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") {
    if (!document.querySelector("dialog[open]")) closePanels(); // Esc closes the dialog only
    return;
  }
  if (event.key === "?") {
    $("#shortcuts-dialog")?.showModal();
    event.preventDefault();
    return;
  }
  const key = event.key.toLowerCase();
  if (waiting && ["j", "k", "z", "[", "]", "{", "}"].concat(reviewKeys(), labelKeys()).includes(key)) {
    // The last action has not been answered: this press would act on what it is replacing.
    event.preventDefault();
    toast("Still waiting for the last answer; press again once it shows.");
    return;
  }
  if (key === "j" || key === "k") {
    if (current) return; // with a selection, j and k may be label keys
    event.preventDefault();
    step(key === "j" ? 1 : -1);
    return;
  }
  const panel = $("#claim-panel");
  if (key === "z" && !current) {
    const undo = panelAction("[data-undo-key]");
    if (undo) {
      event.preventDefault();
      if (visibleOrRevealed(panel)) {
        window.htmx.process(undo.form);
        undo.click();
      }
      return;
    }
  }
  if (["[", "]", "{", "}"].includes(event.key) && !current && panelAction("form.claim-form")) {
    event.preventDefault();
    if (!visibleOrRevealed(panel)) return;
    const span = moved(textOf($("#article-text")), Number(panel.dataset.start), Number(panel.dataset.end), event.key);
    if (span) submitSpan(panel, span.start, span.end);
    else toast("The span cannot move that way: it would hold no word, or it is at the text's edge.");
    return;
  }
  // With a suggestion open and nothing selected, its accept and reject keys review it.
  const review = panelAction(`[data-review-key="${CSS.escape(key)}"]`);
  if (review && !current) {
    event.preventDefault();
    if (!visibleOrRevealed(panel)) return;
    // The panel may have been swapped in a moment ago: make sure htmx has taken over its
    // forms, or the click would submit the page the plain way.
    window.htmx.process(review.form);
    review.click();
    return;
  }
  if (!current) return;
  const button = document.querySelector(`.label-button[data-key="${CSS.escape(key)}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});

function reviewKeys() {
  return Array.from(document.querySelectorAll("#claim-panel [data-review-key]"), (b) => b.dataset.reviewKey);
}

function labelKeys() {
  return current ? Array.from(document.querySelectorAll(".label-button[data-key]"), (b) => b.dataset.key) : [];
}

document.addEventListener("click", (event) => {
  if (event.target.closest("#show-shortcuts")) {
    $("#shortcuts-dialog")?.showModal();
    return;
  }
  // The Claims list's lines; the claim panel's links to a claim's cues and statements and the
  // Sources panel's names (data-open-claim: not lines of the list, which j / k walk).
  const link = event.target.closest("[data-claim-link], [data-open-claim]");
  if (link) {
    event.preventDefault();
    const id = link.dataset.claimLink || link.dataset.openClaim;
    flash(id);
    openPanel("claim", id);
    return;
  }
  const mark = event.target.closest("#article-text mark");
  if (!mark || !window.getSelection().isCollapsed) return;
  if (mark.dataset.claim) openPanel("claim", mark.dataset.claim);
  if (mark.dataset.ent) openPanel("mention", mark.dataset.ent);
});

// A statement just marked: its "Said via" list takes the keys, with its nearest cue
// preselected; the arrows choose another, Enter saves the link, Esc leaves the list.
function focusCue() {
  const list = document.querySelector("#claim-panel:not([hidden]) #cf-cue[data-focus]");
  if (list) list.focus();
}

document.addEventListener("keydown", (event) => {
  const list = event.target.closest?.("#cf-cue");
  if (!list) return;
  if (event.key === "Enter") {
    event.preventDefault();
    window.htmx.process(list.form);
    list.form.requestSubmit();
  } else if (event.key === "Escape") {
    event.preventDefault();
    list.blur();
  }
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
// One claim request at a time: a second one sent before the first is answered would act on
// a claim the first has changed (x x once rejected the same suggestion twice: a 409).
// Opening a claim counts too: a key pressed while the next claim is loading would act on the
// one it is replacing.
const isClaimAction = (detail) => Boolean(detail.elt.closest?.(CLAIM_ACTIONS) || detail.target?.closest?.("#claim-panel"));
document.addEventListener("htmx:beforeRequest", (event) => {
  if (!isClaimAction(event.detail)) return;
  if (waiting) {
    event.preventDefault();
    toast("Still waiting for the last answer; try again once it shows.");
    return;
  }
  // A claim is being made from the selection: the selection is used up at once, so a second
  // label key pressed before the answer cannot make a second claim on the same span.
  if (event.detail.elt.closest("#claim-create")) {
    window.getSelection()?.removeAllRanges();
    setSelection(null);
  }
});
// Waiting from the moment the request really leaves (htmx may still drop it before) until
// its answer is in or it failed: on the request itself, because htmx's later events fire on
// the form, which the answer has already replaced.
document.addEventListener("htmx:beforeSend", (event) => {
  if (!isClaimAction(event.detail)) return;
  waiting = true;
  event.detail.xhr.addEventListener("loadend", () => { waiting = false; });
});
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target.id;
  // A new entity was added from the selection: the selection is used up.
  if (["annotator", "mention-panel"].includes(target)) setSelection(null);
  // The panel the editor works on is always on screen when it opens.
  if (["claim-panel", "mention-panel"].includes(target)) {
    const panel = document.getElementById(target);
    if (panel && !panel.hidden && !inView(panel)) reveal(panel);
  }
  if (target === "claim-panel") focusCue();
  // After a review the panel holds the next suggestion: bring it into view.
  const next = document.querySelector("#claim-panel[data-flash]");
  if (next) flash(next.dataset.flash);
});
// The open claim's handles and links, drawn again whenever the panel or the text changes.
document.addEventListener("htmx:afterSettle", () => {
  const panel = $("#claim-panel");
  drawLinks(panel);
  drawHandles(panel);
});
window.addEventListener("resize", () => drawHandles($("#claim-panel")));
drawLinks($("#claim-panel"));
drawHandles($("#claim-panel"));
