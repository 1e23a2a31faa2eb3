// The book's own glue for ipywidgets in static pages (not a vendored file).
// Loaded by MyST-NB after require.js and before the widget manager (see nb_ipywidgets_js in
// _config.yml), on pages that hold widgets.
(function () {
  "use strict";
  // 1. The widget manager names its modules "@jupyter-widgets/..." and loads its icon fonts from
  //    the folder of the module that asked for them. Point those names at the folder the manager
  //    is served from, so the fonts come from the book and not from paths that do not exist.
  //    anywidget widgets name their front end "anywidget": it is served from the book too
  //    (vendor/anywidget/index.js, an AMD module); each widget's own code is in its saved state.
  var here = document.currentScript.src;
  var folder = here.slice(0, here.lastIndexOf("/") + 1);
  var root = folder + "html-manager";
  window.requirejs.config({
    paths: {"@jupyter-widgets/html-manager/dist": root, "@jupyter-widgets": root,
            "anywidget": folder + "anywidget/index"}
  });

  // 2. The theme's Font Awesome script replaces every <i class="fa ..."> icon with an <svg>. The
  //    Play widget switches its play/pause icon by finding its <i> element, so with the <i> gone
  //    it stops working. "nest" puts the <svg> inside the <i> instead, which keeps both working.
  //    (This script runs before the theme's deferred Font Awesome script reads its settings.)
  window.FontAwesomeConfig = Object.assign(window.FontAwesomeConfig || {}, {autoReplaceSvg: "nest"});

  // 3. Widgets typeset maths in their labels with the MathJax 2 call MathJax.Hub.Queue; the book
  //    uses MathJax 3. Translate the call, so labels get typeset and no error is thrown.
  function installMathJaxBridge() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) { return; }
    mj.Hub = {
      Queue: function () {
        var elements = [];
        for (var i = 0; i < arguments.length; i++) {
          var job = arguments[i];
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) { elements.push(job[2]); }
        }
        if (elements.length && mj.typesetPromise) {
          mj.typesetPromise(elements).catch(function () {});
        }
      }
    };
  }

  // 4. Accessible names and values for sliders: the slider handle (role="slider") gets the
  //    control's label as its name and the shown value (the readout) as its value text, so a
  //    screen reader announces "weight w, 0.5" rather than an unnamed slider at index 5.
  function labelSliders(rootNode) {
    var sliders = rootNode.querySelectorAll(".widget-slider");
    for (var i = 0; i < sliders.length; i++) {
      var box = sliders[i];
      var handle = box.querySelector('[role="slider"]');
      var label = box.querySelector(".widget-label");
      var readout = box.querySelector(".widget-readout");
      if (!handle) { continue; }
      if (label && label.textContent.trim()) {
        handle.setAttribute("aria-label", label.textContent.trim());
      }
      if (readout && readout.textContent.trim()) {
        var shown = readout.textContent.trim();
        if (handle.getAttribute("aria-valuetext") !== shown) {
          handle.setAttribute("aria-valuetext", shown);
        }
      }
    }
  }

  // 5. The Play widget's buttons show only an icon; name them after it ("play", "pause", ...),
  //    and keep the name in step when play turns into pause.
  var BUTTON_NAMES = {"fa-play": "play", "fa-pause": "pause", "fa-stop": "stop",
                      "fa-retweet": "repeat"};
  function labelPlayButtons(rootNode) {
    var buttons = rootNode.querySelectorAll(".widget-play button");
    for (var i = 0; i < buttons.length; i++) {
      var icon = buttons[i].querySelector("i, svg");
      if (!icon) { continue; }
      for (var cls in BUTTON_NAMES) {
        if (icon.classList.contains(cls)) {
          if (buttons[i].getAttribute("aria-label") !== BUTTON_NAMES[cls]) {
            buttons[i].setAttribute("aria-label", BUTTON_NAMES[cls]);
          }
          break;
        }
      }
    }
  }

  var queued = false;
  function relabel() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () {
      queued = false;
      labelSliders(document);
      labelPlayButtons(document);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    installMathJaxBridge();
    new MutationObserver(relabel).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ["aria-valuenow", "class"]
    });
    relabel();
  });
})();
