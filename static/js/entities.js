// Entity corrections on the article page: turn a text selection into code-point offsets of
// the stored text, and open a highlight's panel on click. Everything else is htmx.
//
// Offsets: the DOM counts UTF-16 code units, the server counts Unicode code points. The text
// container holds exactly the stored text (marks add no characters), so the code points of
// everything before a boundary are the offset.

const textEl = () => document.getElementById("article-text");

export function codePointOffset(container, node, offset) {
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

export function selectionOffsets(container, selection) {
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.commonAncestorContainer)) return null;
  const start = codePointOffset(container, range.startContainer, range.startOffset);
  const end = codePointOffset(container, range.endContainer, range.endOffset);
  return end > start ? { start, end, text: range.toString() } : null;
}

function showAddForm(found) {
  const form = document.getElementById("add-mention");
  if (!form) return;
  if (!found) {
    form.hidden = true;
    return;
  }
  form.querySelector("#add-start").value = found.start;
  form.querySelector("#add-end").value = found.end;
  form.querySelector("#selection-preview").textContent = `“${found.text.trim()}”`;
  form.hidden = false;
}

document.addEventListener("mouseup", (event) => {
  const container = textEl();
  if (!container || !container.contains(event.target)) return;
  showAddForm(selectionOffsets(container, window.getSelection()));
});

document.addEventListener("keyup", (event) => {
  const container = textEl();
  if (!container || !event.shiftKey) return;
  showAddForm(selectionOffsets(container, window.getSelection()));
});

document.addEventListener("click", (event) => {
  if (event.target.id === "add-cancel") {
    window.getSelection()?.removeAllRanges();
    showAddForm(null);
    return;
  }
  const mark = event.target.closest("#article-text mark[data-id]");
  if (!mark || !window.getSelection().isCollapsed) return;
  const url = textEl().dataset.mentionUrl.replace(/0\/$/, `${mark.dataset.id}/`);
  window.htmx.ajax("GET", url, { target: "#mention-panel", swap: "outerHTML" });
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    window.getSelection()?.removeAllRanges();
    showAddForm(null);
  }
});
