// The print button's front end (anywidget ES module): see printing.py. A click puts the
// document (a complete HTML page rendered by the course's templates, with its own print styles)
// into a hidden, sandboxed frame and opens the browser's print dialog for that frame only, so
// only the document is printed, not the page around it. Works offline; nothing is downloaded.

function render({ model, el }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "nm-print-button";
  el.appendChild(button);
  let frame = null;

  function sync() {
    button.textContent = model.get("label");
    button.disabled = !model.get("document");
  }

  button.addEventListener("click", () => {
    if (!model.get("document")) return;
    if (frame) frame.remove();
    frame = document.createElement("iframe");
    frame.className = "nm-print-frame";
    frame.title = model.get("label");
    frame.tabIndex = -1;
    frame.setAttribute("aria-hidden", "true");
    // No scripts run inside; same origin so this page can open its print dialog; modals for print.
    frame.setAttribute("sandbox", "allow-same-origin allow-modals");
    frame.addEventListener(
      "load",
      () => {
        frame.contentWindow.focus();
        frame.contentWindow.print();
        el.dataset.printed = String(Number(el.dataset.printed || 0) + 1);
        model.set("printed", model.get("printed") + 1);
        model.save_changes();
        button.focus();
      },
      { once: true },
    );
    frame.srcdoc = model.get("document");
    el.appendChild(frame);
  });

  model.on("change:label", sync);
  model.on("change:document", sync);
  sync();
}

export default { render };
