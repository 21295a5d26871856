/* Thesaban maps: styles of our vector tiles, the side panel, search and filters (maps/builders.py).
   Loaded before the folium script, which calls Thesaban.layerOptions() and Thesaban.register(). */
(function () {
  "use strict";
  var T = (window.Thesaban = window.Thesaban || {});
  /* Leaflet.VectorGrid 1.3.0 calls L.DomEvent.fakeStop, which Leaflet 1.8 removed: a click on a canvas
     feature then throws. The same shim the VectorGrid issue tracker gives: mark the event as handled. */
  if (window.L && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; return true; };
  }
  /* Leaflet 1.9 takes a clicked shape of radius ≤ 10 px for a marker and asks its getLatLng(), which
     VectorGrid's points (drawn from tile pixels) have but cannot answer: the click then throws. Such a
     feature takes the mouse position instead, as every other shape does. */
  var fireDOMEvent = L.Map.prototype._fireDOMEvent;
  L.Map.prototype._fireDOMEvent = function (e, type, canvasTargets) {
    (canvasTargets || []).forEach(function (t) {
      if (t.properties && t.getLatLng && !t._latlng) t.getLatLng = null;
    });
    return fireDOMEvent.call(this, e, type, canvasTargets);
  };
  var STATUS = {
    not_assessed: "#9e9e9e", assessed: "#4f8fcf", notice_sent: "#e0a100",
    part_paid: "#8e5bb5", paid: "#1e7b34", overdue: "#b3261e"
  };
  var CONDITION = { 1: "#1e7b34", 2: "#7cb342", 3: "#e6c44c", 4: "#e8772e", 5: "#b3261e" };
  var KIND = {
    road: "#555", drain: "#1f77b4", water_pipe: "#17becf", streetlight: "#e0a100", bridge: "#6d4c41",
    culvert: "#1565c0", public_building: "#7b1fa2", cctv: "#37474f", fire_hydrant: "#c62828"
  };
  var MISSED = { parcel_no_owner: "#6a1b9a", building: "#d81b60", signboard: "#ff6f00" };
  var MIN_ZOOM = { parcels: 14, buildings: 15, signboards: 14, infrastructure: 13, blocks: 12, zones: 0, missed: 14 };
  var HIDDEN = [];  /* VectorGrid draws nothing for an empty list of styles */
  T.layers = {};
  T.filters = { kinds: null, condition: null, age: null };
  T.thisYear = new Date().getFullYear();

  function rateColour(rate) {
    if (rate === undefined || rate === null) return "#d0d0d0";
    if (rate < 0.5) return "#b3261e";
    if (rate < 0.8) return "#e8772e";
    if (rate < 0.95) return "#e6c44c";
    return "#1e7b34";
  }
  T.rateColour = rateColour;

  var STYLES = {
    parcels: function (p) {
      var colour = p.tax_status ? STATUS[p.tax_status] : "#c8c2b4";
      return { weight: 0.6, color: "#555", fill: true, fillColor: colour, fillOpacity: p.tax_status ? 0.6 : 0.25 };
    },
    buildings: function () {
      return { weight: 0.5, color: "#5d574b", fill: true, fillColor: "#8a8478", fillOpacity: 0.5 };
    },
    signboards: function (p) {
      var colour = p.tax_status ? STATUS[p.tax_status] : "#ff6f00";
      return { radius: 4, weight: 1, color: "#fff", fill: true, fillColor: colour, fillOpacity: 1 };
    },
    infrastructure: function (p) {
      var f = T.filters;
      if (f.kinds && f.kinds.indexOf(p.kind) < 0) return HIDDEN;
      if (f.condition && !(p.condition >= f.condition)) return HIDDEN;
      if (f.age && !(p.installed_year && T.thisYear - p.installed_year >= f.age)) return HIDDEN;
      var colour = CONDITION[p.condition] || KIND[p.kind] || "#444";
      return {
        radius: p.open_orders ? 6 : 4, weight: p.open_orders ? 3 : 2.5, color: p.open_orders ? "#000" : colour,
        fill: true, fillColor: colour, fillOpacity: 0.9, opacity: 1
      };
    },
    blocks: function (p, zoom) {
      /* A choropleth on the revenue map; on the tax map only until the parcels take over at z14. */
      var revenue = "rate" in p || "expected" in p;
      var fill = revenue && (mapKind() === "revenue" || zoom < 14);
      return { weight: 0.8, color: "#555", fill: fill, fillColor: rateColour(p.rate), fillOpacity: 0.6 };
    },
    zones: function (p, zoom) {
      var revenue = "rate" in p || "expected" in p;
      return { weight: 2, color: "#1f5f8b", fill: revenue && zoom < 12, fillColor: rateColour(p.rate), fillOpacity: 0.6 };
    },
    missed: function (p) {
      var colour = MISSED[p.kind] || "#000";
      return { radius: 5, weight: 1.5, color: colour, fill: true, fillColor: colour, fillOpacity: 0.55 };
    }
  };

  /* The layers that answer clicks on each map; the others let clicks through (stacked canvases). */
  var CLICKABLE = { tax: ["parcels"], engineer: ["infrastructure"], revenue: ["zones", "blocks"] };
  function mapKind() {
    var box = document.querySelector(".map-box");
    return box ? box.dataset.map : "";
  }
  function clickable(name) {
    return (CLICKABLE[mapKind()] || []).indexOf(name) >= 0;
  }

  T.layerOptions = function (name) {
    var styles = {};
    styles[name] = STYLES[name];
    var interactive = clickable(name);
    return {
      rendererFactory: L.canvas.tile,
      interactive: interactive,
      className: interactive ? "vg-interactive" : "vg-passive",
      minZoom: MIN_ZOOM[name],
      maxZoom: 22,
      /* The tile's feature id (ST_AsMVT's id column) is copied into the properties that clicks see. */
      getFeatureId: function (f) { f.properties.id = f.id; return f.id; },
      vectorTileLayerStyles: styles
    };
  };

  /* The side panel ------------------------------------------------------------------------ */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function facts(rows) {
    var dl = el("dl", { class: "facts" });
    rows.forEach(function (r) {
      if (r[1] === "" || r[1] === null || r[1] === undefined) return;
      dl.appendChild(el("dt", { text: r[0] }));
      dl.appendChild(el("dd", { text: String(r[1]) }));
    });
    return dl;
  }
  function list(title, items, render) {
    if (!items || !items.length) return null;
    return el("section", {}, [el("h3", { text: title }), el("ul", { class: "plain" }, items.map(render))]);
  }
  function link(href, text) { return el("a", { href: href, text: text }); }
  function badge(status) { return el("span", { class: "badge status-" + status.code, text: status.label }); }

  function showPanel(node) {
    var aside = document.querySelector(".side-panel");
    aside.querySelector(".panel-empty").hidden = true;
    var body = aside.querySelector(".panel-body");
    body.hidden = false;
    body.replaceChildren(node);
  }

  function parcelPanel(d) {
    var L_ = T.labels;
    var parts = [
      el("h2", { class: "panel-title", text: L_.parcel + " " + d.code }),
      facts([[L_.deed, d.deed], [L_.landNumber, d.land_number], [L_.area, d.area], [L_.retired, d.retired]]),
      list(L_.owners, d.owners, function (o) { return el("li", { text: o.name + " · " + L_.share + " " + o.share }); }),
      list(L_.landUses, d.land_uses, function (u) { return el("li", { text: u.use + " · " + u.area }); }),
      list(L_.buildings, d.buildings, function (b) {
        return el("li", { text: b.code + " · " + b.type + " · " + b.floors + " " + L_.floors + " · " + b.floor_area_m2 + " ตร.ม." });
      }),
      list(L_.signboards, d.signboards, function (s) {
        return el("li", {}, [s.code + " · " + s.type + " · " + s.size + " ", s.tax_status ? badge(s.tax_status) : null]);
      })
    ];
    if (d.tax) {
      var t = d.tax;
      var sec = el("section", { class: "tax" }, [el("h3", { text: L_.taxOf + " " + t.year + " " }, [badge(t.status)])]);
      /* A single parcel's amounts come only to roles that see personal data (maps/selectors.py tax_panel). */
      if (t.assessments) {
        sec.appendChild(facts([[L_.due, t.due + " " + L_.baht], [L_.paid, t.paid + " " + L_.baht]]));
      } else {
        sec.appendChild(el("p", { class: "muted", text: L_.amountsWithheld }));
      }
      (t.assessments || []).forEach(function (a) {
        var table = el("table", { class: "breakdown" }, a.breakdown.map(function (r) {
          return el("tr", { class: r.kind }, [el("td", { text: r.label }), el("td", { class: "num", text: r.amount || "" })]);
        }));
        var links = [link(a.url, L_.assessment)];
        if (a.notice_pdf) links.push(" · ", link(a.notice_pdf, L_.noticePdf + " " + a.notice));
        sec.appendChild(el("div", { class: "assessment" }, [
          el("p", { class: "taxpayer", text: a.taxpayer + " · " + a.status + " · " + a.tax + " " + L_.baht }),
          el("details", {}, [el("summary", { text: L_.breakdown }), table]),
          el("p", { class: "links" }, links)
        ]));
      });
      var pays = list(L_.payments, t.payments, function (p) {
        return el("li", { text: p.paid_on + " · " + L_.receipt + " " + p.receipt + " · " + p.amount + " " + L_.baht });
      });
      if (pays) sec.appendChild(pays);
      parts.push(sec);
    }
    var links = [link(d.links.print, L_.printMap)];
    if (d.links.record) links.push(" · ", link(d.links.record, L_.record));
    parts.push(el("p", { class: "links" }, links));
    return el("div", { "data-parcel": d.code }, parts);
  }

  function assetPanel(d) {
    var L_ = T.labels;
    return el("div", { "data-asset": d.code }, [
      el("h2", { class: "panel-title", text: d.code + " " + d.kind }),
      facts([[L_.name, d.name], [L_.condition, d.condition], [L_.installed, d.installed], [L_.age, d.age],
             [L_.material, d.material], [L_.replacementCost, d.replacement_cost + " " + L_.baht]]),
      list(L_.openOrders, d.orders, function (o) {
        return el("li", {}, [link(o.url, o.number), " " + o.title + " · " + o.status + " · " + L_.dueOn + " " + o.due_on]);
      }),
      list(L_.inspections, d.inspections, function (i) {
        return el("li", {}, [link(i.url, i.date), " · " + L_.condition + " " + i.condition]);
      }),
      el("p", { class: "links" }, [link(d.url, L_.assetRecord)])
    ]);
  }

  function areaPanel(p, key) {
    var L_ = T.labels;
    var box = document.querySelector(".map-box");
    var what = key === "zones" ? L_.zone : L_.block;
    var rate = p.rate === undefined || p.rate === null ? "-" : (p.rate * 100).toFixed(1) + "%";
    var parts = [
      el("h2", { class: "panel-title", text: what + " " + p.code + (p.name ? " " + p.name : "") }),
      facts([[L_.expected, T.baht(p.expected)], [L_.collected, T.baht(p.collected)], [L_.rate, rate]])
    ];
    /* A block prints on A4 (maps:print-block) for the year the map shows. */
    if (key === "blocks" && box.dataset.blockPrintUrl) {
      var url = box.dataset.blockPrintUrl.replace("/0/", "/" + p.id + "/") + "?year=" + box.dataset.year;
      parts.push(el("p", { class: "links" }, [link(url, L_.printMap)]));
    }
    return el("div", { "data-area": p.code }, parts);
  }
  T.baht = function (v) {
    if (v === undefined || v === null) return "-";
    return Number(v).toLocaleString("th-TH", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + T.labels.baht;
  };

  function panelUrl(box, id) {
    return box.dataset.panelUrl.replace(/0(\.json)$/, id + "$1") + "?year=" + box.dataset.year;
  }
  function highlight(key, id) {
    var layer = T.layers[key];
    if (!layer) return;
    if (T.highlighted !== undefined) layer.resetFeatureStyle(T.highlighted);
    T.highlighted = id;
    layer.setFeatureStyle(id, { weight: 3, color: "#c0392b", fill: true, fillColor: "#c0392b", fillOpacity: 0.35, radius: 7 });
  }
  T.openPanel = function (id) {
    var box = document.querySelector(".map-box");
    return fetch(panelUrl(box, id), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        highlight(box.dataset.map === "engineer" ? "infrastructure" : "parcels", id);
        T.selected = d;
        showPanel(box.dataset.map === "engineer" ? assetPanel(d) : parcelPanel(d));
        return d;
      });
  };

  T.register = function (key, layer, map) {
    T.layers[key] = layer;
    T.map = map;
    if (!clickable(key)) return;
    if (key === "parcels" || key === "infrastructure") {
      layer.on("click", function (e) { T.openPanel(e.layer.properties.id); });
    } else {
      layer.on("click", function (e) {
        showPanel(areaPanel(e.layer.properties, key));
      });
    }
  };

  /* Drawn features, for tests and the status line: features in the tiles a layer has rendered. */
  T.drawn = function (key) {
    var layer = T.layers[key];
    if (!layer || !layer._vectorTiles) return 0;
    return Object.keys(layer._vectorTiles).reduce(function (n, k) {
      return n + Object.keys(layer._vectorTiles[k]._features || {}).length;
    }, 0);
  };

  /* Search ------------------------------------------------------------------------------------ */
  function zoomTo(result) {
    var b = result.bbox;
    T.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 18 });
    return T.openPanel(result.id);
  }
  function setUpSearch(form) {
    var input = form.querySelector("input[name=q]");
    var out = form.querySelector(".search-results");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      fetch(form.dataset.search + "?q=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          out.replaceChildren();
          out.hidden = false;
          if (!d.results.length) { out.appendChild(el("li", { class: "muted", text: T.labels.notFound })); return; }
          if (d.results.length === 1) { out.hidden = true; zoomTo(d.results[0]); return; }
          d.results.forEach(function (r) {
            var b = el("button", { type: "button", text: r.label });
            b.addEventListener("click", function () { out.hidden = true; zoomTo(r); });
            out.appendChild(el("li", {}, [b]));
          });
        });
    });
  }

  /* Engineer's filters -------------------------------------------------------------------------- */
  function setUpFilters(form) {
    function apply() {
      var kinds = Array.prototype.map.call(form.querySelectorAll("input[name=kind]:checked"), function (i) { return i.value; });
      var all = form.querySelectorAll("input[name=kind]").length;
      T.filters.kinds = kinds.length === all ? null : kinds;
      T.filters.condition = parseInt(form.condition.value, 10) || null;
      T.filters.age = parseInt(form.age.value, 10) || null;
      if (T.layers.infrastructure) T.layers.infrastructure.redraw();
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var labels = document.getElementById("map-labels");
    T.labels = labels ? JSON.parse(labels.textContent) : {};
    var search = document.querySelector("form.map-search");
    if (search) setUpSearch(search);
    var filters = document.querySelector("form[data-filters]");
    if (filters) setUpFilters(filters);
  });
})();
