// The views' script, inlined once per page by the lesson header (ui/templates/scripts.html.j2).
//
// Figures open full width: a click or tap on a course figure, or Enter / Space on its "Enlarge"
// button, shows it in a modal dialog as wide as the window, titled by the figure's title, with
// the same alt text (never narrower than its own width: on a phone it scrolls sideways).
// Escape, the Close button or a click beside the figure closes it, and the
// focus goes back to the figure's button. One listener on the document serves every figure,
// including those a widget draws later. No network, no library; the buttons stay hidden (CSS)
// until this script has run, so a page that cannot run it shows no dead control.
(function () {
  "use strict";
  if (window.nmViews) return; // the header may be shown more than once on a page
  window.nmViews = { version: 1 };
  document.documentElement.classList.add("nm-zoom-ready");

  var dialog = null;
  var returnTo = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "nm-zoom-dialog";
    dialog.setAttribute("aria-labelledby", "nm-zoom-title");
    var bar = document.createElement("div");
    bar.className = "nm-zoom-bar";
    var title = document.createElement("h2");
    title.id = "nm-zoom-title";
    title.className = "nm-zoom-title";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "nm-zoom-close";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    bar.appendChild(title);
    bar.appendChild(close);
    var img = document.createElement("img");
    img.className = "nm-zoom-img";
    dialog.appendChild(bar);
    dialog.appendChild(img);
    // A click on the backdrop (outside the dialog's box) closes it.
    dialog.addEventListener("click", function (event) {
      if (event.target !== dialog) return;
      var r = dialog.getBoundingClientRect();
      var inside = event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
      if (!inside) dialog.close();
    });
    dialog.addEventListener("close", function () {
      var to = returnTo;
      returnTo = null;
      if (to && to.isConnected) to.focus();
    });
    (document.querySelector("main") || document.body).appendChild(dialog);
  }

  function open(figure) {
    var shown = figure.querySelector("img.nm-figure-img");
    if (!shown) return;
    if (!dialog) build();
    var caption = figure.querySelector(".nm-figure-title");
    dialog.querySelector(".nm-zoom-title").textContent = caption ? caption.textContent : shown.alt;
    var img = dialog.querySelector(".nm-zoom-img");
    img.src = shown.currentSrc || shown.src;
    img.alt = shown.alt;
    // As wide as the window, and never narrower than the width the figure is drawn for (its
    // width attribute): on a phone the enlarged figure scrolls sideways instead of shrinking.
    var width = parseFloat(shown.getAttribute("width")) || 0;
    var height = parseFloat(shown.getAttribute("height")) || 0;
    if (width && height) {
      img.width = width;
      img.height = height;
      img.style.minWidth = width + "px";
    }
    returnTo = figure.querySelector(".nm-zoom");
    if (!dialog.open) dialog.showModal();
    dialog.scrollTop = 0;
    dialog.querySelector(".nm-zoom-close").focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var trigger = target.closest(".nm-zoom, .nm-figure-img");
    var figure = trigger && trigger.closest(".nm-figure");
    if (!figure) return;
    event.preventDefault();
    open(figure);
  });
})();
