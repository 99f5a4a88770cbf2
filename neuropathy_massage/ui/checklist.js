// A list of checkboxes in one widget (checklist.py): a fieldset, its legend, one native checkbox
// and label per option. Ticking sends the ticked values, in the order of the options.

function render({ model, el }) {
  const set = document.createElement("fieldset");
  set.className = "nm-checklist";
  const legend = document.createElement("legend");
  const list = document.createElement("div");
  list.className = "nm-checklist-options";
  set.append(legend, list);
  el.appendChild(set);
  let boxes = [];

  function draw() {
    legend.textContent = model.get("legend");
    legend.hidden = !model.get("legend");
    list.replaceChildren();
    boxes = model.get("options").map(([label, value]) => {
      // the box inside its label: the whole row is the target, and no ids can collide
      const row = document.createElement("label");
      row.className = "nm-checklist-option";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = value;
      const text = document.createElement("span");
      text.textContent = label;
      box.addEventListener("change", () => {
        model.set("value", boxes.filter((b) => b.checked).map((b) => b.value));
        model.save_changes();
      });
      row.append(box, text);
      list.appendChild(row);
      return box;
    });
    tick();
  }

  function tick() {
    const chosen = new Set(model.get("value"));
    for (const b of boxes) b.checked = chosen.has(b.value);
  }

  model.on("change:options", draw);
  model.on("change:legend", draw);
  model.on("change:value", tick);
  draw();
}

export default { render };
