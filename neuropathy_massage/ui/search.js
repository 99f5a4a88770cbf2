// The search box's front end (anywidget ES module): see search.py. A labelled search field and
// a status line that screen readers announce (role="status", present from the start so changes
// to it are read out). The kernel does the searching and writes the status and the results.

let BOXES = 0;

function render({ model, el }) {
  const id = "nm-search-" + ++BOXES;
  const box = document.createElement("div");
  box.className = "nm-search";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.className = "nm-search-label";
  const input = document.createElement("input");
  input.type = "search";
  input.id = id;
  input.className = "nm-search-input";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.setAttribute("aria-describedby", id + "-help " + id + "-status");
  const help = document.createElement("p");
  help.id = id + "-help";
  help.className = "nm-search-help";
  const status = document.createElement("p");
  status.id = id + "-status";
  status.className = "nm-search-status";
  status.setAttribute("role", "status");
  box.append(label, input, help, status);
  el.appendChild(box);

  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      model.set("query", input.value.slice(0, model.get("max_length")));
      model.save_changes();
    }, 250);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      clearTimeout(timer);
      model.set("query", input.value.slice(0, model.get("max_length")));
      model.save_changes();
    }
  });

  function sync() {
    label.textContent = model.get("label");
    help.textContent = model.get("help");
    input.maxLength = model.get("max_length");
    if (input.value !== model.get("query") && document.activeElement !== input) input.value = model.get("query");
    status.textContent = model.get("status");
  }
  for (const name of ["label", "help", "max_length", "query", "status"]) model.on("change:" + name, sync);
  sync();
}

export default { render };
