/* ibm-geo interactive map. Reads the JSON in #ibm-data; every user string is set with
   textContent (never innerHTML), so names like <img onerror=...> render as text. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ibm-data").textContent);
  var M = D.meta, T = D.text, U = D.units;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || v === "") return "\u2013";
    if (typeof v === "number") return v.toLocaleString(M.lang === "id" ? "id-ID" : "en-US");
    return String(v);
  }
  function decodeInts(s) {
    var out = [], shift = 0, acc = 0;
    for (var i = 0; i < s.length; i++) {
      var b = s.charCodeAt(i) - 63;
      acc |= (b & 31) << shift;
      shift += 5;
      if (b < 32) { out.push(acc & 1 ? ~(acc >> 1) : acc >> 1); shift = 0; acc = 0; }
    }
    return out;
  }
  function decodeRing(txt, scale) {
    var a = decodeInts(txt), out = [], x = 0, y = 0;
    for (var i = 0; i + 1 < a.length; i += 2) {
      x += a[i]; y += a[i + 1];
      out.push([y / scale, x / scale]);
    }
    return out;
  }
  function decodeGeom(g, scale) {
    return g.map(function (poly) {
      return poly.map(function (ring) { return decodeRing(ring, scale); });
    });
  }
  function table(rows) {
    var t = el("table", "ibm-tab");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", null, r[0]));
      tr.appendChild(el("td", null, fmt(r[1])));
      t.appendChild(tr);
    });
    return t;
  }
  function unitPopup(p) {
    var box = el("div", "ibm-pop");
    box.appendChild(el("div", "ibm-pop-title", p.nama));
    var sub = [p.kecamatan, p.kab_kota].filter(function (s) { return s; }).join(", ");
    if (sub) box.appendChild(el("div", "ibm-pop-sub", sub));
    var rows = [];
    U.fields.forEach(function (f) {
      if (f[0] in p && f[0] !== "nama" && f[0] !== "reason" && f[0] !== "kecamatan" && f[0] !== "kab_kota")
        rows.push([f[1], p[f[0]]]);
    });
    box.appendChild(table(rows));
    if (p.reason) {
      var r = el("div", "ibm-pop-reason");
      r.appendChild(el("b", null, T.reason + ": "));
      r.appendChild(document.createTextNode(p.reason));
      box.appendChild(r);
    }
    return box;
  }
  function unitTip(p) {
    var b = el("div");
    b.appendChild(el("b", null, p.nama));
    if (p.score !== undefined) b.appendChild(el("div", null, T.score + " " + fmt(p.score) + " (#" + fmt(p.rank) + ")"));
    if (p.unserved !== undefined) b.appendChild(el("div", null, T.unserved + ": " + fmt(p.unserved)));
    return b;
  }
  function props(i) {
    var p = {};
    U.fields.forEach(function (f, j) { p[f[0]] = U.props[i][j]; });
    return p;
  }

  var S = M.symbols || {};
  function sym(key, prop, dflt) { return (S[key] && S[key][prop] !== undefined) ? S[key][prop] : dflt; }
  var map = L.map("ibm-map", { zoomSnap: 0.25, preferCanvas: false });
  map.attributionControl.setPrefix("Leaflet");
  map.getContainer().style.background = sym("sea", "color", "#dceaf5");
  map.createPane("ibm-land").style.zIndex = 250;
  map.createPane("ibm-outline").style.zIndex = 450;
  map.getPane("ibm-outline").style.pointerEvents = "none";
  map.createPane("ibm-pilot").style.zIndex = 590;  // pilot discs above the unserved circles
  map.createPane("ibm-site").style.zIndex = 610;   // site rings above agent triangles
  map.createPane("ibm-rank").style.zIndex = 640;   // rank numbers above every symbol
  map.getPane("ibm-rank").style.pointerEvents = "none";
  var tilesLayer = null;
  if (M.tiles) {
    tilesLayer = L.tileLayer(M.tiles.url, { attribution: M.tiles.attribution, maxZoom: 19 });
    tilesLayer.addTo(map);
  }
  map.attributionControl.addAttribution(T.source);

  // -- offline basemap: land, roads, kecamatan and kab/kota outlines (from the loaded units) ----
  var B = D.basemap || { land: [], kab: [], kec: [], roads: [] };
  var land = L.featureGroup(), roads = L.featureGroup(), kabs = L.featureGroup(), kecs = L.featureGroup();
  if (B.land.length) {
    L.polygon(decodeGeom(B.land, M.scale), {
      pane: "ibm-land", stroke: true, color: sym("land", "stroke", "#9e9e9e"), weight: 1,
      fillColor: sym("land", "color", "#f7f4ee"), fillOpacity: 1, interactive: false
    }).addTo(land);
  }
  B.roads.forEach(function (r) {
    L.polyline(decodeRing(r, M.scale), {
      pane: "ibm-outline", color: sym("road", "color", "#b0a89c"), weight: 1.2, interactive: false
    }).addTo(roads);
  });
  B.kec.forEach(function (k) {
    L.polygon(decodeGeom(k.geom, M.scale), {
      pane: "ibm-outline", fill: false, color: sym("kec_outline", "color", "#525252"),
      weight: 1.3, dashArray: "4 3", interactive: false
    }).addTo(kecs);
  });
  B.kab.forEach(function (k) {
    L.polygon(decodeGeom(k.geom, M.scale), {
      pane: "ibm-outline", fill: false, color: sym("kab_outline", "color", "#252525"),
      weight: 2.4, interactive: false
    }).addTo(kabs);
  });
  var context = L.featureGroup();  // loaded units beyond the mapped area, as plain land
  if ((B.context || []).length) L.polygon(decodeGeom(B.context, M.scale), {
    pane: "ibm-land", stroke: true, color: "#c9c4ba", weight: 0.6, fillColor: M.context_color,
    fillOpacity: 1, interactive: false
  }).addTo(context);
  context.addTo(map);
  land.addTo(map);
  if (B.roads.length) roads.addTo(map);

  // -- score choropleth --------------------------------------------------------------------
  var score = L.featureGroup();
  var bounds = L.latLngBounds([]);
  U.geom.forEach(function (g, i) {
    if (!g.length) return;
    var cls = U.cls[i];
    var poly = L.polygon(decodeGeom(g, M.scale), {
      color: "#555", weight: 0.6, opacity: 0.9,
      fillColor: cls >= 0 ? M.colors[cls] : "#dddddd", fillOpacity: 0.75
    });
    var p = props(i);
    poly.bindTooltip(unitTip(p), { sticky: true });
    poly.bindPopup(function () { return unitPopup(props(i)); }, { maxWidth: 340 });
    poly.on("mouseover", function () { poly.setStyle({ weight: 2, color: "#000" }); });
    poly.on("mouseout", function () { poly.setStyle({ weight: 0.6, color: "#555" }); });
    poly.addTo(score);
    bounds.extend(poly.getBounds());
  });
  score.addTo(map);

  // -- change since the last rakor (off until chosen; published labels only) ------------------
  var C = D.change;
  var change = L.featureGroup();
  if (C) U.geom.forEach(function (g, i) {
    var d = C.dir[i];
    if (!g.length || d < 0) return;
    var poly = L.polygon(decodeGeom(g, M.scale), {
      color: "#444", weight: 0.8, opacity: 0.9, dashArray: C.legend[d][0] === "#ffffff" ? "3,3" : null,
      fillColor: C.legend[d][0], fillOpacity: 0.8
    });
    poly.bindTooltip(el("span", null, props(i).nama + ": " + C.tip[i]), { sticky: true });
    poly.addTo(change);
  });

  // -- unserved proportional circles ---------------------------------------------------------
  var unserved = L.featureGroup();
  var umax = Math.max.apply(null, [1].concat(U.unserved_n.filter(function (v) { return v !== null; })));
  U.rep.forEach(function (r, i) {
    var v = U.unserved_n[i], lab = U.unserved_lab[i];
    if (v === 0 || (v === null && !lab)) return;
    var rad = v === null ? 3 : 3 + 10 * Math.sqrt(v / umax);
    var c = L.circleMarker([r[1], r[0]], {
      radius: rad, color: "#08306b", weight: 1, fillColor: "#2171b5", fillOpacity: 0.45,
      dashArray: v === null ? "2,2" : null
    });
    c.bindTooltip(el("span", null, props(i).nama + ": " + fmt(lab)));
    c.addTo(unserved);
  });

  // -- existing agents: one symbol per kelurahan (never an agent's home) -----------------------
  var agents = L.featureGroup();
  var agentMarks = [];  // [lat, lon, marker]: each triangle is moved beside the symbols at every view
  D.agents.forEach(function (a) {
    if (a.area) {  // road travel: the area reached along the roads, outline only
      a.area.forEach(function (r) {
        L.polyline(decodeRing(r, M.scale), {
          color: sym("service_area", "color", "#1b7837"), weight: sym("service_area", "weight", 1.5),
          dashArray: sym("service_area", "dash", "2 3"), interactive: false
        }).addTo(agents);
      });
    } else L.circle([a.lat, a.lon], {  // an outline: a tint would change the class colours below
      radius: M.radius_m, color: sym("ring_agent", "color", "#1b7837"), weight: 1.2,
      dashArray: "4 3", fill: false, interactive: false
    }).addTo(agents);
    var m = L.marker([a.lat, a.lon], {  // the print map's triangle, the count inside
      icon: L.divIcon({ className: "ibm-sym-icon", iconSize: [24, 24], iconAnchor: [12, 14],
                        html: M.svg.agent_n.split("{n}").join(String(Number(a.n))) }),
      keyboard: false
    });
    m.bindTooltip(el("span", null, a.nama + ": " + a.n + " " + T.agents));
    m.addTo(agents);
    agentMarks.push([a.lat, a.lon, m]);
  });

  // -- proposed sites ------------------------------------------------------------------------
  var sites = L.featureGroup();
  var siteYears = {};  // phased rollout: one layer per budget year
  D.sites.forEach(function (s) {
    var g = sites;
    if (s.year !== null && s.year !== undefined) {
      if (!siteYears[s.year]) siteYears[s.year] = L.featureGroup();
      g = siteYears[s.year];
    }
    if (M.site_ring !== false) L.circle([s.lat, s.lon], {
      radius: M.site_radius_m, color: sym("ring_site", "color", "#54278f"), weight: 2,
      dashArray: "6 4", fill: false, interactive: false
    }).addTo(g);
    var m = L.circleMarker([s.lat, s.lon], {  // a ring around the rank number, hollow
      radius: 12, color: sym("site", "color", "#54278f"), weight: 3, pane: "ibm-site",
      fillColor: sym("site", "fill", "#ffffff"), fillOpacity: 0.01
    });
    var box = el("div", "ibm-pop");
    box.appendChild(el("div", "ibm-pop-title", s.nama));
    box.appendChild(table(s.rows));
    m.bindPopup(box);
    s.label = (s.year !== null && s.year !== undefined) ? s.year + " · " + s.nama : s.nama;
    s.group = g;
    m.addTo(g);
  });

  // -- pilot villages (labelled) -------------------------------------------------------------
  var pilots = L.featureGroup();
  D.pilots.forEach(function (s) {
    var m = L.circleMarker([s.lat, s.lon], {
      radius: 15, color: sym("pilot", "color", "#000000"), weight: 2, pane: "ibm-pilot",  // behind the number
      fillColor: sym("pilot", "fill", "#fdd835"), fillOpacity: 1
    });
    var box = el("div", "ibm-pop");
    box.appendChild(el("div", "ibm-pop-title", s.nama));
    box.appendChild(table(s.rows));
    m.bindPopup(box);
    m.addTo(pilots);
  });

  // -- service points (public offices) --------------------------------------------------------
  var sp = L.featureGroup();
  D.service_points.forEach(function (s) {
    var px = s.office ? 18 : 13;  // plus for BNNP/BNNK offices, square for other services
    var m = L.marker([s.lat, s.lon], {
      icon: L.divIcon({ className: "ibm-sym-icon", html: M.svg[s.office ? "office" : "service_point"],
                        iconSize: [px, px] }), keyboard: false
    });
    m.bindTooltip(el("span", null, s.name + " (" + s.jenis + ")"));
    m.addTo(sp);
  });

  // -- rank numbers and labels, placed again at every view by one collision solver: rank
  //    numbers first (a lower rank moves aside, with a leader, off a better one), then the
  //    symbols and the map's controls are reserved, then names by priority (pilots, sites,
  //    the top N, kab/kota, kecamatan, other villages), each at the first free spot next to
  //    its anchor or farther out with a leader line; sizes are measured in the page ----------
  var labels = L.layerGroup().addTo(map), ranks = L.layerGroup().addTo(map);
  var rankIdx = -1;
  U.fields.forEach(function (f, j) { if (f[0] === "rank") rankIdx = j; });
  var order = U.rep.map(function (_, i) { return i; });
  if (rankIdx >= 0) order.sort(function (a, b) { return (U.props[a][rankIdx] || 1e9) - (U.props[b][rankIdx] || 1e9); });
  var RINGS = [0, 28, 48, 72], DIRS = [];
  for (var dd = 0; dd < 12; dd++) DIRS.push([Math.cos((dd * 30 + 15) * Math.PI / 180), -Math.sin((dd * 30 + 15) * Math.PI / 180)]);
  var AGENT_SPOTS = [[0, 0], [22, 18], [-22, 18], [22, -18], [-22, -18], [0, 28], [30, 0], [-30, 0], [0, -28]];
  var NEAR = [[1, -0.6], [1, 0.6], [-1, -0.6], [-1, 0.6], [1, 0], [-1, 0], [0, -1], [0, 1]];
  function drawLabels() {
    labels.clearLayers(); ranks.clearLayers();
    if (!map._loaded) return;  // no view yet (layers added before the first fit)
    var b = map.getBounds(), z = map.getZoom(), boxes = [], placed = [], n = 0;
    var size = map.getSize();
    function hit(bx, list) {
      for (var j = 0; j < list.length; j++) {
        var o = list[j];
        if (bx[0] < o[2] && bx[2] > o[0] && bx[1] < o[3] && bx[3] > o[1]) return true;
      }
      return false;
    }
    function inside(bx) { return bx[0] >= 0 && bx[1] >= 0 && bx[2] <= size.x && bx[3] <= size.y; }
    function reserve(pt, w, h) { boxes.push([pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2]); }
    function lineFree(p0, p1) {
      for (var s = 0.15; s <= 1; s += 0.1) {
        var x = p0.x + s * (p1.x - p0.x), y = p0.y + s * (p1.y - p0.y);
        if (hit([x, y, x, y], placed)) return false;
      }
      return true;
    }
    function leader(p0, p1, clear) {
      var dx = p1.x - p0.x, dy = p1.y - p0.y, d = Math.sqrt(dx * dx + dy * dy);
      if (d <= clear) return;
      var a = L.point(p0.x + dx / d * clear, p0.y + dy / d * clear);
      L.polyline([map.containerPointToLatLng(a), map.containerPointToLatLng(p1)], {
        pane: "ibm-outline", color: "#424242", weight: 1, interactive: false, className: "ibm-leader"
      }).addTo(labels);
    }
    // the map's own controls (title, legend, layer list, scale, credit) are no place for names
    document.querySelectorAll(".leaflet-control").forEach(function (c) {
      var r = c.getBoundingClientRect(), m0 = map.getContainer().getBoundingClientRect();
      boxes.push([r.left - m0.left, r.top - m0.top, r.right - m0.left, r.bottom - m0.top]);
    });
    (M.top || []).forEach(function (i, q) {
      var r = U.rep[i], pt = map.latLngToContainerPoint([r[1], r[0]]), at = pt, half = 10;
      if (!b.contains([r[1], r[0]])) return;
      search: for (var k = 0; k < 3; k++) for (var d = 0; d < (k ? DIRS.length : 1); d++) {
        var c = k ? L.point(pt.x + DIRS[d][0] * 22 * k, pt.y + DIRS[d][1] * 22 * k) : pt;
        if (!hit([c.x - half, c.y - half, c.x + half, c.y + half], boxes)) { at = c; break search; }
      }
      boxes.push([at.x - half, at.y - half, at.x + half, at.y + half]);
      if (at !== pt) leader(pt, at, 0);
      L.marker(map.containerPointToLatLng(at), {
        pane: "ibm-rank", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "ibm-rank", iconSize: [18, 18], iconAnchor: [9, 9],
                          html: "<span>" + Number(U.props[i][rankIdx]) + "</span>" })
      }).addTo(ranks);
    });
    D.sites.forEach(function (s) { if (map.hasLayer(s.group)) reserve(map.latLngToContainerPoint([s.lat, s.lon]), 27, 27); });
    if (map.hasLayer(pilots)) D.pilots.forEach(function (s) { reserve(map.latLngToContainerPoint([s.lat, s.lon]), 32, 32); });
    // agent triangles at their unit, or at the first spot beside the numbers and rings there
    if (map.hasLayer(agents)) agentMarks.forEach(function (a) {
      var p = map.latLngToContainerPoint([a[0], a[1]]), at = null;
      for (var k = 0; k < AGENT_SPOTS.length && !at; k++) {
        var c = L.point(p.x + AGENT_SPOTS[k][0], p.y + AGENT_SPOTS[k][1]);
        if (!hit([c.x - 9, c.y - 9, c.x + 9, c.y + 9], boxes)) at = c;
      }
      at = at || L.point(p.x + AGENT_SPOTS[1][0], p.y + AGENT_SPOTS[1][1]);
      reserve(at, 18, 18);
      a[2].setLatLng(map.containerPointToLatLng(at));
    });
    if (map.hasLayer(sp)) D.service_points.forEach(function (s) { reserve(map.latLngToContainerPoint([s.lat, s.lon]), 18, 18); });
    function put(lat, lon, text, cls, clear, far) {
      if (!b.contains([lat, lon])) return false;
      var pt = map.latLngToContainerPoint([lat, lon]);
      var tip = L.tooltip({ permanent: true, direction: "center", className: cls, interactive: false })
        .setLatLng([lat, lon]).setContent(el("span", null, text));
      labels.addLayer(tip);
      if (!tip.getElement()) { labels.removeLayer(tip); return false; }
      var r = tip.getElement().getBoundingClientRect(), w = r.width + 2, h = r.height + 2;
      var cands = clear ? NEAR.map(function (v) { return [v[0], v[1], clear]; })
        : [[0, 0, 0], [0, 1, 2], [0, -1, 2], [0, 1, 18], [0, -1, 18], [1, 0, 8], [-1, 0, 8]];  // area names stay near their point
      if (far) RINGS.slice(1).forEach(function (rr) { DIRS.forEach(function (v) { cands.push([v[0], v[1], clear + rr, 1]); }); });
      for (var c = 0; c < cands.length; c++) {
        var v = cands[c], cx = pt.x + v[0] * (v[2] + w / 2), cy = pt.y + v[1] * (v[2] + h / 2);
        var bx = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
        var end = L.point(Math.min(Math.max(pt.x, bx[0]), bx[2]), Math.min(Math.max(pt.y, bx[1]), bx[3]));
        if (!inside(bx) || hit(bx, boxes) || (v[3] && !lineFree(pt, end))) continue;
        tip.setLatLng(map.containerPointToLatLng(L.point(cx, cy)));
        boxes.push(bx); placed.push(bx);
        if (v[3]) leader(pt, end, clear * 0.7);
        return true;
      }
      labels.removeLayer(tip);
      return false;
    }
    var named = {};
    if (map.hasLayer(pilots)) D.pilots.forEach(function (s) { named[s.i] = put(s.lat, s.lon, s.nama, "ibm-label ibm-pilot-label", 16, true); });
    D.sites.forEach(function (s) { if (map.hasLayer(s.group) && !named[s.i]) named[s.i] = put(s.lat, s.lon, s.label, "ibm-label ibm-site-label", 14, true); });
    (M.top || []).forEach(function (i) { if (!named[i]) { var r = U.rep[i]; named[i] = put(r[1], r[0], U.props[i][U.name_idx], "ibm-label ibm-label-top", 11, true); } });
    if (map.hasLayer(kabs)) B.kab.forEach(function (k) { put(k.lat, k.lon, k.name.toUpperCase(), "ibm-kab-label", 0, false); });
    if (map.hasLayer(kecs) && z >= M.label_zoom - 2) B.kec.forEach(function (k) { put(k.lat, k.lon, k.name, "ibm-kec-label", 0, false); });
    if (z >= M.label_zoom - 1) for (var q = 0; q < order.length && n < 400; q++) {
      var i = order[q];
      if (named[i] !== undefined) continue;
      var r = U.rep[i];
      if (put(r[1], r[0], U.props[i][U.name_idx], "ibm-label", 6, false)) n++;
    }
  }
  map.on("zoomend moveend overlayadd overlayremove", drawLabels);

  var overlays = {};
  if (tilesLayer) overlays[T.tiles] = tilesLayer;
  overlays[T.land] = land;
  if (B.roads.length) overlays[T.road] = roads;
  if (B.kec.length) { overlays[T.kec] = kecs; kecs.addTo(map); }
  overlays[T.kab] = kabs; kabs.addTo(map);
  overlays[T.layer_score] = score;
  overlays[T.layer_unserved] = unserved;
  if (C) overlays[T.layer_change] = change;
  if (D.agents.length) overlays[T.layer_agents] = agents;
  if (D.sites.length) {
    Object.keys(siteYears).sort().forEach(function (y) {
      overlays[T.layer_sites + " " + y] = siteYears[y]; siteYears[y].addTo(map);
    });
    if (sites.getLayers().length) { overlays[T.layer_sites] = sites; sites.addTo(map); }
  }
  if (D.pilots.length) { overlays[T.layer_pilots] = pilots; pilots.addTo(map); }
  if (D.service_points.length) { overlays[T.layer_sp] = sp; sp.addTo(map); }
  unserved.addTo(map);
  if (D.agents.length && !M.overview) agents.addTo(map);  // national overview: off by default
  var layerCtl = L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

  // -- title block -----------------------------------------------------------------------------
  var title = L.control({ position: "topleft" });
  title.onAdd = function () {
    var d = el("div", "ibm-title");
    d.appendChild(el("div", "ibm-title-main", M.title));
    if (M.subtitle) d.appendChild(el("div", "ibm-title-sub", M.subtitle));
    L.DomEvent.disableClickPropagation(d);
    return d;
  };
  title.addTo(map);

  // -- legend ----------------------------------------------------------------------------------
  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var d = el("div", "ibm-legend");
    d.appendChild(el("div", "ibm-legend-title", T.legend_score));
    M.legend.forEach(function (row) {
      var r = el("div", "ibm-legend-row");
      var sw = el("span", "ibm-swatch"); sw.style.background = row[0];
      r.appendChild(sw);
      r.appendChild(el("span", null, row[1]));
      d.appendChild(r);
    });
    if (C) {  // shown while the change layer is on
      var cl = el("div", "ibm-legend-change");
      cl.appendChild(el("div", "ibm-legend-title", T.legend_change));
      C.legend.forEach(function (row) {
        var r = el("div", "ibm-legend-row");
        var sw = el("span", "ibm-swatch"); sw.style.background = row[0];
        if (row[0] === "#ffffff") sw.style.border = "1px dashed #444";
        r.appendChild(sw);
        r.appendChild(el("span", null, row[1]));
        cl.appendChild(r);
      });
      cl.style.display = "none";
      map.on("overlayadd", function (e) { if (e.layer === change) cl.style.display = ""; });
      map.on("overlayremove", function (e) { if (e.layer === change) cl.style.display = "none"; });
      d.appendChild(cl);
    }
    d.appendChild(el("div", "ibm-legend-title", T.legend_unserved));
    d.appendChild(el("div", "ibm-legend-note", "\u25CF " + T.circle_note + " " + fmt(umax) + "; \u25CC " + T.hidden));
    d.appendChild(el("div", "ibm-legend-title", T.legend_layers));
    function row(cls, text, style) {
      var r = el("div", "ibm-legend-row");
      var svg = M.svg.legend[cls];  // a point symbol: its own SVG (constant, no user text)
      var sw = el("span", svg ? "ibm-sym ibm-sym-svg" : "ibm-sym " + cls);
      if (svg) sw.innerHTML = svg;
      if (style) Object.keys(style).forEach(function (k) { sw.style[k] = style[k]; });
      r.appendChild(sw);
      r.appendChild(el("span", null, text));
      d.appendChild(r);
    }
    if ((M.top || []).length) row("ibm-sym-top", T.top);
    if (D.agents.length) {
      row("agent", T.agents_kel);
      if (D.agents.some(function (a) { return !a.area; })) row("ibm-sym-ring", T.legend_radius, { borderColor: sym("ring_agent", "color", "#1b7837") });
      if (D.agents.some(function (a) { return a.area; })) row("ibm-sym-line", T.legend_area, { borderTopColor: sym("service_area", "color", "#1b7837"), borderTopStyle: "dashed" });
    }
    if (D.sites.length) { row("ibm-sym-site", T.layer_sites); if (M.site_ring !== false) row("ibm-sym-ring", T.site_ring, { borderColor: sym("ring_site", "color", "#54278f") }); }
    if (D.pilots.length) row("ibm-sym-pilot", T.layer_pilots);
    if (D.service_points.some(function (s) { return s.office; })) row("office", T.office);
    if (D.service_points.some(function (s) { return !s.office; })) row("service_point", T.service);
    row("ibm-sym-line", T.kab, { borderTopColor: sym("kab_outline", "color", "#252525"), borderTopWidth: "3px" });
    if (B.kec.length) row("ibm-sym-line", T.kec, { borderTopColor: sym("kec_outline", "color", "#525252"), borderTopStyle: "dashed" });
    if (B.roads.length) row("ibm-sym-line", T.road, { borderTopColor: sym("road", "color", "#b0a89c") });
    row("ibm-swatch", T.land, { background: sym("land", "color", "#f7f4ee") });
    if ((B.context || []).length) row("ibm-swatch", T.context, { background: M.context_color });
    if (tilesLayer) row("ibm-swatch", T.tiles, { background: "#cfe3c4" });
    d.appendChild(el("div", "ibm-legend-note", T.suppression));
    L.DomEvent.disableClickPropagation(d);
    return d;
  };
  legend.addTo(map);

  // far-off ranks (islands) beyond the main frame: buttons that fly there (ibm_map_detail.js)
  var focus = M.focus ? L.latLngBounds(M.focus) : bounds, frameOpts = {};
  var away = window.ibmFarOff ? window.ibmFarOff(map, D, el, function () { return [focus, frameOpts]; }) : null;

  // open on the area that matters (the units with clients, or the chosen area), clear of the
  // title and far-off buttons above and of the legend and layer list on the right
  if (focus.isValid()) {
    var right = 0, top = 0;
    [legend, layerCtl].forEach(function (c) { right = Math.max(right, c.getContainer().offsetWidth); });
    [title, away].forEach(function (c) {
      if (c) top = Math.max(top, c.getContainer().offsetTop + c.getContainer().offsetHeight);
    });
    frameOpts = { paddingTopLeft: [20, top + 16], paddingBottomRight: [right + 30, 36] };
    map.fitBounds(focus, frameOpts);
  } else map.setView([-2.5, 118], 5);
  drawLabels();
  window.ibmMap = map;
})();
