"""Measurements of figures and of the body map on a served page, as the browser renders them.

    from . import measure

    sizes = measure.figure_text(page)      # every figure on the page, with its smallest text
    boxes = measure.region_boxes(page)     # every body-map region of the explorer, in CSS px

`figure_text` reads each figure as drawn: an `<img>` showing an SVG (the course's figures are
data URIs) is measured at the width the page gives it, by drawing the same SVG at that width,
hidden, inside a shadow root (so its <style> cannot touch the page) and asking the browser
for each text element's computed font size times the scale the viewBox applies (its screen
CTM). Inline SVGs (the explorer's body map) are measured where they are.
"""

from __future__ import annotations

from typing import Any

#: The smallest text a figure may show, and the smallest target a body-map region may be, in
#: CSS px (issue 13; WCAG 2.2, 2.5.8 for the targets).
MIN_TEXT_PX = 12.0
MIN_TARGET_PX = 24.0

_FIGURE_TEXT_JS = """
async (selector) => {
  const svgText = async (img) => {
    const src = img.currentSrc || img.src;
    if (!src.startsWith('data:image/svg+xml')) return null;
    const comma = src.indexOf(',');
    const head = src.slice(0, comma), body = src.slice(comma + 1);
    if (head.endsWith(';base64')) {
      const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      return new TextDecoder('utf-8').decode(bytes);
    }
    return decodeURIComponent(body);
  };
  const smallest = (root) => {
    let best = null;
    const texts = [];
    for (const el of root.querySelectorAll('text, tspan')) {
      const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.data).join('').trim();
      if (!own) continue;
      const m = el.getScreenCTM();
      if (!m) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      texts.push(px);
      if (!best || px < best.px) best = {px, text: own};
    }
    return {texts: texts.length, smallest: best};
  };
  const out = [];
  const host = document.createElement('div');
  host.setAttribute('aria-hidden', 'true');
  host.style.cssText = 'position:absolute;left:-20000px;top:0;visibility:hidden;';
  document.body.appendChild(host);
  const shadow = host.attachShadow({mode: 'open'});
  try {
    for (const img of document.querySelectorAll(selector)) {
      const rect = img.getBoundingClientRect();
      if (rect.width === 0) continue;
      const svg = await svgText(img);
      if (svg === null) continue;
      const holder = document.createElement('div');
      holder.style.width = rect.width + 'px';
      holder.innerHTML = svg.replace(/<\\?xml[^>]*\\?>/, '');
      shadow.appendChild(holder);
      const el = holder.querySelector('svg');
      el.style.width = '100%';
      el.style.height = 'auto';
      el.style.display = 'block';
      const title = (el.querySelector('title') || {}).textContent || img.alt.slice(0, 60);
      out.push({kind: 'img', title: title.trim(), width: rect.width, ...smallest(el)});
      holder.remove();
    }
    for (const el of document.querySelectorAll('main svg[aria-labelledby]')) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0) continue;
      const title = (el.querySelector('title') || {}).textContent || '';
      out.push({kind: 'inline', title: title.trim(), width: rect.width, ...smallest(el)});
    }
  } finally {
    host.remove();
  }
  return out;
}
"""

_REGION_BOXES_JS = """
() => Array.from(document.querySelectorAll('[data-region]')).map((el) => {
  el.scrollIntoView({block: 'center', inline: 'center'});
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {region: el.dataset.region, name: el.getAttribute('aria-label'), width: r.width, height: r.height,
          centre_hits_region: !!hit && (hit === el || el.contains(hit))};
})
"""


def figure_text(page: Any, selector: str = "main img") -> list[dict]:
    """Every figure shown on the page: `kind` ('img' or 'inline'), `title`, rendered `width`,
    how many `texts`, and the `smallest` text ({'px', 'text'}) in CSS px as drawn."""
    return page.evaluate(_FIGURE_TEXT_JS, selector)


def region_boxes(page: Any) -> list[dict]:
    """Every body-map region on the page (`[data-region]`): its rendered width and height in CSS
    px, and whether a tap at the centre of its box lands on it."""
    return page.evaluate(_REGION_BOXES_JS)


def too_small_text(measured: list[dict], minimum: float = MIN_TEXT_PX) -> list[str]:
    """One line per figure whose smallest text is below `minimum` CSS px."""
    return [f"{m['title']!r} at {m['width']:.0f} px wide: {m['smallest']['text']!r} is "
            f"{m['smallest']['px']:.1f} px (< {minimum:g})"
            for m in measured if m["smallest"] and m["smallest"]["px"] < minimum - 0.05]
