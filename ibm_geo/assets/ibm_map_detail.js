/* ibm-geo interactive map: far-off ranks beyond the main frame (islands far out), included
   only when the page has some. One button per far-off group flies there, one flies back; every
   user string is set with textContent. Runs before ibm_map.js, which calls window.ibmFarOff. */
(function () {
  "use strict";
  window.ibmFarOff = function (map, D, el, home) {
    var M = D.meta, T = D.text, c = L.control({ position: "topleft" });
    c.onAdd = function () {
      var d = el("div", "ibm-detail");
      d.appendChild(el("div", "ibm-detail-note", T.detail_note));
      function button(cls, fly) {
        var b = el("button", cls);
        b.type = "button";
        b.addEventListener("click", fly);
        d.appendChild(b);
        return b;
      }
      M.detail.forEach(function (g) {
        var b = button("ibm-detail-go", function () {
          map.flyToBounds(L.latLngBounds(g.bounds), L.extend({ maxZoom: 14 }, home()[1]));
        });
        var ranks = g.ranks.length ? " (" + g.ranks.join(", ") + ")" : "";
        b.appendChild(el("span", "ibm-detail-title", g.title + ranks));
        b.appendChild(el("span", "ibm-detail-where", g.where));
      });
      button("ibm-detail-back", function () { map.flyToBounds(home()[0], home()[1]); })
        .textContent = "\u21A9 " + T.detail_back;
      L.DomEvent.disableClickPropagation(d);
      return d;
    };
    return c.addTo(map);
  };
})();
