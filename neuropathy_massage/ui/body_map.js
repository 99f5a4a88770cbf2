// The body map's front end (anywidget ES module): see body_map.py for what it does.
let VIEWS = 0;

function render({ model, el }) {
  const prefix = "nmbm" + (++VIEWS) + "-";
  // Unique ids per view, so two views of one model never share an id.
  let svg = model.get("svg");
  const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  for (const id of ids) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    svg = svg
      .replace(new RegExp('id="' + esc + '"', "g"), 'id="' + prefix + id + '"')
      .replace(new RegExp("url\\(#" + esc + "\\)", "g"), "url(#" + prefix + id + ")");
  }
  svg = svg.replace(/aria-labelledby="([^"]+)"/, (m, list) =>
    'aria-labelledby="' + list.split(/\s+/).map((t) => prefix + t).join(" ") + '"');

  const box = document.createElement("div");
  box.className = "nm-bodymap";
  box.innerHTML = svg;
  const help = document.createElement("p");
  help.className = "nm-bodymap-help";
  help.textContent = "Click an area, or move to it with Tab or the arrow keys and press Space or Enter, to choose it or clear it.";
  box.appendChild(help);
  el.appendChild(box);

  const names = model.get("names");
  const order = model.get("order");
  const shapes = [];
  for (const rid of order) {
    const node = box.querySelector('[id="' + prefix + "region-" + rid + '"]');
    if (!node) continue;
    node.dataset.region = rid;
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "checkbox");
    node.setAttribute("focusable", "true");
    node.setAttribute("aria-label", names[rid] || rid);
    shapes.push(node);
  }
  // Arrow keys follow the document order, as Tab does: each arm (forearm, palm, fingers, back of
  // hand), left then right, then each leg (lower leg, top of foot, toes, sole), left then right.
  shapes.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));

  function toggle(rid) {
    const now = new Set(model.get("selected"));
    if (now.has(rid)) now.delete(rid); else now.add(rid);
    model.set("selected", order.filter((r) => now.has(r)));
    model.save_changes();
  }

  function sync() {
    const chosen = new Set(model.get("selected"));
    const marks = model.get("marks") || {};
    for (const node of shapes) {
      const rid = node.dataset.region;
      const on = chosen.has(rid);
      node.classList.toggle("selected", on);
      node.classList.toggle("ok", marks[rid] === "ok");
      node.classList.toggle("avoid", marks[rid] === "avoid");
      node.setAttribute("aria-checked", on ? "true" : "false");
      const status = marks[rid] === "avoid" ? ", avoid" : marks[rid] === "ok" ? ", suitable" : "";
      node.setAttribute("aria-label", (names[rid] || rid) + status);
    }
  }

  shapes.forEach((node, i) => {
    node.addEventListener("click", (e) => { e.preventDefault(); toggle(node.dataset.region); });
    node.addEventListener("keydown", (e) => {
      let next = null;
      if (e.key === " " || e.key === "Spacebar" || e.key === "Enter") {
        e.preventDefault();
        toggle(node.dataset.region);
        return;
      } else if (e.key === "ArrowRight" || e.key === "ArrowDown") {
        next = shapes[(i + 1) % shapes.length];
      } else if (e.key === "ArrowLeft" || e.key === "ArrowUp") {
        next = shapes[(i - 1 + shapes.length) % shapes.length];
      } else if (e.key === "Home") {
        next = shapes[0];
      } else if (e.key === "End") {
        next = shapes[shapes.length - 1];
      }
      if (next) { e.preventDefault(); next.focus(); }
    });
    // A class as well as :focus-visible, so the focus ring shows for keyboard users in every
    // browser (SVG focus styling differs between engines).
    node.addEventListener("focus", () => node.classList.add("nm-focus"));
    node.addEventListener("blur", () => node.classList.remove("nm-focus"));
    node.addEventListener("mousedown", () => setTimeout(() => node.classList.remove("nm-focus"), 0));
  });

  model.on("change:selected", sync);
  model.on("change:marks", sync);
  sync();
  return () => {
    model.off("change:selected", sync);
    model.off("change:marks", sync);
  };
}

export default { render };
