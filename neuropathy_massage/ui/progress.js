// The progress store's front end (anywidget ES module): see progress.py for what it keeps.
// Everything stays in this browser's localStorage under one course-namespaced key; the kernel
// only ever sees the cleaned record, and nothing is written on the server.

const MAX_CHARS = 20000; // the stored JSON never grows past this (a full course needs about 4,000)

function empty() {
  return { visited: [], quiz: {} };
}

function isMap(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Keep only what the course knows: lesson ids of `known`, item ids of that lesson, true/false.
function clean(raw, known) {
  const out = empty();
  if (!isMap(raw)) return out;
  if (Array.isArray(raw.visited)) {
    for (const lesson of raw.visited) {
      if (typeof lesson === "string" && Object.hasOwn(known, lesson) && !out.visited.includes(lesson)) {
        out.visited.push(lesson);
      }
    }
  }
  if (isMap(raw.quiz)) {
    for (const [lesson, items] of Object.entries(raw.quiz)) {
      if (!Object.hasOwn(known, lesson) || !isMap(items)) continue;
      const kept = {};
      for (const [item, right] of Object.entries(items)) {
        if (known[lesson].includes(item) && typeof right === "boolean") kept[item] = right;
      }
      if (Object.keys(kept).length) out.quiz[lesson] = kept;
    }
  }
  return out;
}

function openStorage() {
  try {
    const store = window.localStorage;
    const probe = "nm-progress-probe";
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch (err) {
    return null; // switched off, private mode, or a sandboxed page
  }
}

// The stored record, cleaned, and whether what was stored had to be thrown away.
function read(store, key, known) {
  let text = null;
  try {
    text = store.getItem(key);
  } catch (err) {
    return { record: empty(), broken: true };
  }
  if (text === null) return { record: empty(), broken: false };
  if (text.length > MAX_CHARS) return { record: empty(), broken: true };
  try {
    return { record: clean(JSON.parse(text), known), broken: false };
  } catch (err) {
    return { record: empty(), broken: true };
  }
}

function write(store, key, record) {
  const text = JSON.stringify({ version: 1, visited: record.visited, quiz: record.quiz });
  if (text.length > MAX_CHARS) return false;
  try {
    store.setItem(key, text);
    return true;
  } catch (err) {
    return false; // storage full
  }
}

function localDate() {
  const d = new Date();
  const two = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
}

function render({ model, el }) {
  const store = openStorage();
  const key = model.get("key");
  const known = model.get("known") || {};
  el.classList.add("nm-progress-store");

  function publish(record, status) {
    model.set("record", record);
    model.set("status", status);
    model.set("today", localDate());
    model.save_changes();
  }

  if (!store) {
    publish(empty(), "unavailable");
  } else {
    const { record, broken } = read(store, key, known);
    const visit = model.get("visit");
    let status = broken ? "reset" : "kept";
    if ((visit && Object.hasOwn(known, visit) && !record.visited.includes(visit)) || broken) {
      if (visit && Object.hasOwn(known, visit) && !record.visited.includes(visit)) record.visited.push(visit);
      if (!write(store, key, record)) status = "full";
    }
    publish(record, status);
  }

  // First answers from the kernel: kept only where this browser has none yet (the first counts).
  model.on("change:pending", () => {
    if (!store) return;
    const pending = model.get("pending") || {};
    const { record } = read(store, key, known); // read again: another tab may have written
    const incoming = clean({ quiz: pending }, known).quiz;
    for (const [lesson, items] of Object.entries(incoming)) {
      record.quiz[lesson] = Object.assign({}, items, record.quiz[lesson] || {});
    }
    publish(record, write(store, key, record) ? "kept" : "full");
  });

  model.on("msg:custom", (msg) => {
    if (!msg || msg.do !== "forget") return;
    if (store) {
      try {
        store.removeItem(key);
      } catch (err) {
        /* nothing was kept */
      }
    }
    publish(empty(), store ? "forgotten" : "unavailable");
  });
}

export default { render };
