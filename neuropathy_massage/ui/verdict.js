// The verdict bar's front end (anywidget ES module): see verdict.py. One bar linking to the plan
// and one live region, both created once: each new summary replaces their text, so screen readers
// announce it (aria-live "assertive" for a plan that stops, "polite" otherwise).

const SHAPES = { none: "○", ok: "●", stop: "■", emergency: "▲" };

function render({ model, el }) {
  const bar = document.createElement("div");
  bar.className = "nm-verdict";
  const link = document.createElement("a");
  link.className = "nm-verdict-link";
  const shape = document.createElement("span");
  shape.className = "nm-verdict-shape";
  shape.setAttribute("aria-hidden", "true");
  const text = document.createElement("span");
  text.className = "nm-verdict-text";
  const go = document.createElement("span");
  go.className = "nm-verdict-go";
  link.append(shape, text, go);
  const live = document.createElement("p");
  live.className = "nm-verdict-live";
  live.setAttribute("aria-atomic", "true");
  live.setAttribute("aria-live", "polite");
  bar.append(link, live);
  el.appendChild(bar);

  link.addEventListener("click", (event) => {
    const target = document.getElementById(model.get("target"));
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });

  let first = true;
  function sync() {
    const level = model.get("level");
    const summary = model.get("summary");
    bar.dataset.level = level;
    shape.textContent = SHAPES[level] || "●";
    text.textContent = summary;
    go.textContent = model.get("link_text");
    link.href = "#" + model.get("target");
    live.setAttribute("aria-live", level === "stop" || level === "emergency" ? "assertive" : "polite");
    // Not on the first render: a page that opens says nothing until the learner changes something.
    if (!first) live.textContent = summary;
    first = false;
  }

  model.on("change:summary", sync);
  model.on("change:level", sync);
  sync();
}

export default { render };
