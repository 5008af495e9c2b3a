// The open claim's span in the text: handles at its two ends to drag, keys to move its ends
// by a word, and its linked partners drawn. Offsets are code points of the stored text (the
// text container holds exactly that text: marks add no characters); the server snaps what
// is sent to whole tokens and refuses what is outside the text.

const WORD = /[\p{L}\p{N}\p{M}_'’-]/u;

export function textOf(container) {
  return Array.from(container.textContent);
}

// The DOM position of a code-point offset: the text node and the UTF-16 offset inside it.
export function domPosition(container, offset) {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  let left = offset;
  let node = walker.nextNode();
  let last = null;
  while (node) {
    const points = Array.from(node.data);
    if (left <= points.length) {
      return { node, offset: points.slice(0, left).join("").length };
    }
    left -= points.length;
    last = node;
    node = walker.nextNode();
  }
  return last ? { node: last, offset: last.data.length } : { node: container, offset: 0 };
}

function isWord(chars, i) {
  return i >= 0 && i < chars.length && WORD.test(chars[i]);
}

// One word more or less at either end; null when the span would hold no word.
export function moved(chars, start, end, key) {
  let s = start;
  let e = end;
  if (key === "[") { // take in the word before
    while (s > 0 && !isWord(chars, s - 1)) s -= 1;
    while (s > 0 && isWord(chars, s - 1)) s -= 1;
  } else if (key === "{") { // give up the first word
    while (s < e && isWord(chars, s)) s += 1;
    while (s < e && !isWord(chars, s)) s += 1;
  } else if (key === "]") { // take in the word after
    while (e < chars.length && !isWord(chars, e)) e += 1;
    while (e < chars.length && isWord(chars, e)) e += 1;
  } else if (key === "}") { // give up the last word
    while (e > s && isWord(chars, e - 1)) e -= 1;
    while (e > s && !isWord(chars, e - 1)) e -= 1;
  }
  if (e <= s || (s === start && e === end)) return null;
  return { start: s, end: e };
}

// Snap a dragged end to the word it falls in: a start to the word's first character, an
// end past its last.
export function snapped(chars, offset, which) {
  let i = Math.max(0, Math.min(offset, chars.length));
  if (which === "start") {
    while (i > 0 && isWord(chars, i - 1) && isWord(chars, i)) i -= 1;
    while (i < chars.length && !isWord(chars, i)) i += 1;
  } else {
    while (i < chars.length && isWord(chars, i - 1) && isWord(chars, i)) i += 1;
    while (i > 0 && !isWord(chars, i - 1)) i -= 1;
  }
  return i;
}

function rangeOf(container, start, end) {
  const a = domPosition(container, start);
  const b = domPosition(container, end);
  const range = document.createRange();
  range.setStart(a.node, a.offset);
  range.setEnd(b.node, b.offset);
  return range;
}

function caretOffset(container, x, y) {
  let node = null;
  let offset = 0;
  if (document.caretPositionFromPoint) {
    const pos = document.caretPositionFromPoint(x, y);
    if (pos) ({ offsetNode: node, offset } = pos);
  } else if (document.caretRangeFromPoint) {
    const range = document.caretRangeFromPoint(x, y);
    if (range) ({ startContainer: node, startOffset: offset } = range);
  }
  if (!node || !container.contains(node)) return null;
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

const PREVIEW = "span-preview";

function preview(range) {
  if (!window.CSS?.highlights || typeof Highlight === "undefined") return;
  if (range) CSS.highlights.set(PREVIEW, new Highlight(range));
  else CSS.highlights.delete(PREVIEW);
}

// Mark the open claim and what it links to in the text. A statement is long: it shows by a
// tint over its words (`of-statement`) rather than a box around each of its pieces.
export function drawLinks(panel) {
  document.querySelectorAll("#article-text mark.current, #article-text mark.linked").forEach((m) => {
    m.classList.remove("current", "linked", "of-statement");
  });
  if (!panel || panel.hidden || !panel.dataset.claimId) return;
  const css = (id) => `#article-text mark[data-claims~="${CSS.escape(id)}"]`;
  const draw = (id, name) => {
    const statement = document.querySelector(`#article-text mark.kind-content[data-claim="${CSS.escape(id)}"]`);
    document.querySelectorAll(css(id)).forEach((m) => {
      m.classList.add(name);
      if (statement) m.classList.add("of-statement");
    });
  };
  draw(panel.dataset.claimId, "current");
  for (const id of (panel.dataset.linked || "").split(" ").filter(Boolean)) draw(id, "linked");
  const entity = panel.dataset.linkedEntity;
  if (entity) {
    document.querySelectorAll(`#article-text mark[data-ents~="${CSS.escape(entity)}"]`)
      .forEach((m) => m.classList.add("linked"));
  }
}

// Send the moved span through the claim's own form (with its version), as a Save would.
export function submitSpan(panel, start, end) {
  const form = panel.querySelector("form.claim-form");
  if (!form) return false;
  form.querySelector("#cf-start").value = start;
  form.querySelector("#cf-end").value = end;
  window.htmx.process(form);
  form.requestSubmit();
  return true;
}

let layer = null;
let dragging = false; // a redraw (any htmx swap settling) must not pull a handle from under the pointer

function clearHandles() {
  layer?.remove();
  layer = null;
  preview(null);
}

// Two handles at the ends of the open claim, when the editor may change it.
export function drawHandles(panel) {
  if (dragging) return;
  clearHandles();
  const container = document.getElementById("article-text");
  if (!container || !panel || panel.hidden || !panel.dataset.claimId) return;
  if (!panel.querySelector("form.claim-form")) return;
  const reader = container.closest(".reader");
  const start = Number(panel.dataset.start);
  const end = Number(panel.dataset.end);
  const rects = rangeOf(container, start, end).getClientRects();
  if (!rects.length) return;
  const base = reader.getBoundingClientRect();
  layer = document.createElement("div");
  layer.className = "span-handles";
  const ends = { start: rects[0], end: rects[rects.length - 1] };
  for (const which of ["start", "end"]) {
    const rect = ends[which];
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = `span-handle span-handle-${which}`;
    handle.dataset.which = which;
    handle.setAttribute("aria-label", which === "start" ? "Drag to move the span's start" : "Drag to move the span's end");
    handle.tabIndex = -1; // the keys [ ] { } do this from the keyboard
    handle.style.left = `${(which === "start" ? rect.left : rect.right) - base.left}px`;
    handle.style.top = `${rect.top - base.top}px`;
    handle.style.height = `${rect.height}px`;
    handle.addEventListener("pointerdown", (event) => drag(event, panel, container, which, start, end));
    layer.append(handle);
  }
  reader.append(layer);
}

function drag(event, panel, container, which, start, end) {
  event.preventDefault();
  const handle = event.currentTarget;
  handle.setPointerCapture(event.pointerId);
  dragging = true;
  const chars = textOf(container);
  let span = { start, end };
  const move = (e) => {
    const at = caretOffset(container, e.clientX, e.clientY);
    if (at === null) return;
    const next = { ...span, [which]: snapped(chars, at, which) };
    if (next.end <= next.start) return;
    span = next;
    preview(rangeOf(container, span.start, span.end));
  };
  const up = () => {
    handle.removeEventListener("pointermove", move);
    handle.removeEventListener("pointerup", up);
    handle.removeEventListener("pointercancel", up);
    dragging = false;
    preview(null);
    if (span.start !== start || span.end !== end) submitSpan(panel, span.start, span.end);
  };
  handle.addEventListener("pointermove", move);
  handle.addEventListener("pointerup", up);
  handle.addEventListener("pointercancel", up);
}
