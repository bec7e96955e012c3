/* wlr_geo consultation-map runtime (part of wlr_geo, EUPL-1.2).
 *
 * Builds the data layers of a wlr_geo map from compact JSON embedded in the page
 * (<script type="application/json">), on a shared canvas renderer. Attribute values are only
 * ever put into the page with textContent / value, never as HTML. Heavy layers are drawn as one
 * multi-part path per category and built only when their group is switched on (lazy) and the
 * zoom is at least the layer's min_zoom. Point markers may be circles, squares, triangles or
 * diamonds (style option "shape"). Chainage labels are thinned by zoom and never overlap. A
 * layer with "highlight" draws the object a feature refers to while its popup is open.
 */
(function (global) {
  'use strict';
  var WLR = {entries: [], maps: []};

  function decodeRun(a, s) {
    var n = a.length >> 1, out = new Array(n), lat = 0, lon = 0;
    for (var i = 0; i < n; i++) {
      lat += a[2 * i]; lon += a[2 * i + 1];
      out[i] = L.latLng(lat / s, lon / s);
    }
    return out;
  }

  function featureLatLngs(kind, g, s) {
    if (kind === 'point' || kind === 'label') { return L.latLng(g[0] / s, g[1] / s); }
    if (kind === 'line') {
      return g.length === 1 ? decodeRun(g[0], s) : g.map(function (p) { return decodeRun(p, s); });
    }
    return g.map(function (poly) { return poly.map(function (r) { return decodeRun(r, s); }); });
  }

  function colValue(col, k) {
    if (!col) { return null; }
    return col.v ? col.v[k] : col.d[col.i[k]];
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function popupEl(spec, data, k) {
    var div = el('div', 'wlr-popup');
    div.appendChild(el('div', 'wlr-popup-title', spec.label));
    var tbl = el('table', 'wlr-popup-table');
    for (var i = 0; i < spec.popup.length; i++) {
      var v = colValue(data.cols[spec.popup[i][0]], k);
      if (v === null || v === undefined || v === '') { continue; }
      var tr = el('tr');
      tr.appendChild(el('th', null, spec.popup[i][1]));
      tr.appendChild(el('td', 'wlr-value', v));
      tbl.appendChild(tr);
    }
    div.appendChild(tbl);
    if (spec.indicative) {
      div.appendChild(el('div', 'wlr-popup-note', 'Indicatief: geen besluit of officieel PIP-tracé'));
    }
    return div;
  }

  function tooltipEl(spec, data, k) {
    var v = colValue(data.cols[spec.tooltip], k);
    return el('span', 'wlr-tooltip', v === null || v === undefined ? spec.label : v);
  }

  /* A circle marker that can also be a square, triangle or diamond (canvas renderer). */
  var ShapeMarker = L.CircleMarker.extend({
    _updatePath: function () {
      var shape = this.options.shape, r = this._renderer;
      if (!shape || shape === 'circle' || !r || !r._ctx) { return L.CircleMarker.prototype._updatePath.call(this); }
      if (!r._drawing || this._empty()) { return; }
      var ctx = r._ctx, p = this._point, s = Math.max(this._radius, 1);
      ctx.beginPath();
      if (shape === 'square') {
        ctx.rect(p.x - 0.85 * s, p.y - 0.85 * s, 1.7 * s, 1.7 * s);
      } else if (shape === 'triangle') {
        ctx.moveTo(p.x, p.y - 1.2 * s); ctx.lineTo(p.x + 1.1 * s, p.y + 0.8 * s); ctx.lineTo(p.x - 1.1 * s, p.y + 0.8 * s);
        ctx.closePath();
      } else {
        ctx.moveTo(p.x, p.y - 1.2 * s); ctx.lineTo(p.x + 1.2 * s, p.y); ctx.lineTo(p.x, p.y + 1.2 * s); ctx.lineTo(p.x - 1.2 * s, p.y);
        ctx.closePath();
      }
      r._fillStroke(ctx, this);
    }
  });
  WLR.ShapeMarker = ShapeMarker;

  function pathFor(kind, ll, opts) {
    if (kind === 'point') { return new ShapeMarker(ll, opts); }
    if (kind === 'line') { return L.polyline(ll, opts); }
    return L.polygon(ll, opts);
  }

  function buildSmall(map, spec, data) {
    var s = data.scale, layers = [], renderer = WLR.renderer(map);
    for (var k = 0; k < data.geoms.length; k++) {
      var ll = featureLatLngs(spec.kind, data.geoms[k], s);
      var style = spec.styles[data.cat ? data.cat[k] : 0];
      var lyr = pathFor(spec.kind, ll, L.extend({renderer: renderer}, style));
      bindFeature(map, spec, data, lyr, k);
      layers.push(lyr);
    }
    return L.featureGroup(layers);
  }

  function markHit(ev) { if (ev.originalEvent) { ev.originalEvent._wlrHit = true; } }

  /* popups keep clear of the title box and the indicative banner when the map pans to them */
  var POPUP = {maxWidth: 380, autoPanPaddingTopLeft: [60, 70], autoPanPaddingBottomRight: [20, 20]};

  /* The object a feature refers to (e.g. the cable a crossing crosses), drawn when the feature
     is clicked and kept after its popup is closed, until the next click elsewhere on the map;
     WLR.highlight is the drawn layer (null when none). */
  WLR.highlight = null;
  function clearHighlight() {
    if (WLR.highlight) { WLR.highlight.remove(); WLR.highlight = null; }
  }
  function showHighlight(map, spec, data, lyr, k) {
    clearHighlight();
    if (!data.hl || !data.hk) { return; }
    var item = data.hl.g[data.hk[k]];
    if (!item) { return; }
    var kind = item[0], ll = featureLatLngs(kind, item[1], data.hl.scale);
    var opts = L.extend({renderer: WLR.renderer(map)}, spec.highlight);
    var h = kind === 'point' ? new ShapeMarker(ll, L.extend({radius: 10}, opts)) : (kind === 'line' ? L.polyline(ll, opts) : L.polygon(ll, opts));
    h._wlrKey = data.hk[k];
    h.addTo(map);
    WLR.highlight = h;
    if (lyr.bringToFront) { lyr.bringToFront(); }
  }

  function bindFeature(map, spec, data, lyr, k) {
    lyr.on('click', function (ev) {
      markHit(ev);
      if (!spec.highlight) { clearHighlight(); }  /* another feature: its own popup, no highlight */
    });
    lyr.bindPopup(function () { return popupEl(spec, data, k); }, POPUP);
    if (spec.highlight) {
      lyr.on('popupopen', function () { showHighlight(map, spec, data, lyr, k); });
    }
    if (spec.tooltip !== null) {
      lyr.bindTooltip(function () { return tooltipEl(spec, data, k); }, {sticky: true});
    }
  }

  /* Chainage labels: the markers of the impact result, thinned by zoom. At each view the
     spacing is the smallest "nice" multiple of the marker spacing (100 m, 200 m, 500 m, 1 km,
     2 km, 5 km …) whose labels lie far enough apart on screen; labels are then placed greedily,
     kilometre labels first, and a label that would overlap one already placed is left out. */
  var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  var ChainageLabels = L.Layer.extend({
    initialize: function (spec, data) {
      var s = data.scale;
      this.spec = spec;
      this.items = data.geoms.map(function (g, k) {
        return {ll: L.latLng(g[0] / s, g[1] / s), text: colValue(data.cols[0], k), ch: data.ch[k],
                major: !!data.mj[k], v: data.vi[k] || 0};
      });
      this.shown = [];
    },
    onAdd: function (map) {
      var pane = map.getPane('wlrLabels') || map.createPane('wlrLabels');
      pane.style.zIndex = 450;
      pane.style.pointerEvents = 'none';
      this._box = L.DomUtil.create('div', 'wlr-chainage-layer leaflet-zoom-hide', pane);
      map.on('zoomend moveend resize viewreset', this._update, this);
      this._update();
    },
    onRemove: function (map) {
      map.off('zoomend moveend resize viewreset', this._update, this);
      L.DomUtil.remove(this._box);
      this.shown = [];
    },
    step: function () {
      var map = this._map, c = map.getCenter(), p = map.latLngToContainerPoint(c);
      var mpp = c.distanceTo(map.containerPointToLatLng(p.add([100, 0]))) / 100;
      var every = this.spec.every || 100, minPx = this.spec.min_px || 80;
      for (var i = 0; i < STEPS.length; i++) {
        if (STEPS[i] * every / mpp >= minPx) { return STEPS[i] * every; }
      }
      return STEPS[STEPS.length - 1] * every;
    },
    _update: function () {
      var map = this._map, box = this._box;
      if (!map) { return; }
      while (box.firstChild) { box.removeChild(box.firstChild); }
      var step = this.step(), view = map.getBounds().pad(0.2), styles = this.spec.styles;
      this.currentStep = step;
      var cand = this.items.filter(function (it) {
        var r = it.ch / step;
        return Math.abs(r - Math.round(r)) < 1e-6 && view.contains(it.ll);
      });
      cand.sort(function (a, b) { return (b.major - a.major) || (a.ch - b.ch) || (a.v - b.v); });
      /* the map's own boxes (controls, title, legend, banner) count as placed: no label hides under them */
      var placed = [], shown = [], rc = map.getContainer().getBoundingClientRect();
      map.getContainer().querySelectorAll('.leaflet-control, .wlr-banner').forEach(function (node) {
        var b = node.getBoundingClientRect();
        if (!b.width || !b.height) { return; }
        var p0 = map.containerPointToLayerPoint([b.left - rc.left, b.top - rc.top]);
        placed.push([p0.x, p0.y, p0.x + b.width, p0.y + b.height]);
      });
      for (var i = 0; i < cand.length; i++) {
        var it = cand[i], pt = map.latLngToLayerPoint(it.ll), st = styles[it.v] || styles[0];
        var lab = el('div', 'wlr-chainage' + (it.major ? ' wlr-chainage-major' : ''), it.text);
        lab.style.borderColor = st.color;
        lab.style.color = st.color;
        if (st.dashArray) { lab.style.borderStyle = /^\s*[0-3](\s|,)/.test(st.dashArray) ? 'dotted' : 'dashed'; }
        box.appendChild(lab);
        var w = lab.offsetWidth, h = lab.offsetHeight, x = pt.x + 5, y = pt.y - h - 3;
        var r = [x - 2, y - 2, x + w + 2, y + h + 2], clash = false;
        for (var j = 0; j < placed.length && !clash; j++) {
          var q = placed[j];
          clash = r[0] < q[2] && q[0] < r[2] && r[1] < q[3] && q[1] < r[3];
        }
        if (clash) { box.removeChild(lab); continue; }
        L.DomUtil.setPosition(lab, L.point(x, y));
        var dot = el('div', 'wlr-chainage-dot');
        dot.style.background = st.color;
        box.appendChild(dot);
        L.DomUtil.setPosition(dot, L.point(pt.x - 3, pt.y - 3));
        placed.push(r);
        shown.push({text: it.text, ch: it.ch, major: it.major, v: it.v});
      }
      this.shown = shown;
    }
  });
  WLR.ChainageLabels = ChainageLabels;

  function sqSegDist(p, a, b) { return L.LineUtil._sqClosestPointOnSegment(p, a, b, true); }

  function inRing(p, r) {
    var inside = false;
    for (var i = 0, j = r.length - 1; i < r.length; j = i++) {
      if (((r[i].y > p.y) !== (r[j].y > p.y)) &&
          (p.x < (r[j].x - r[i].x) * (p.y - r[i].y) / (r[j].y - r[i].y) + r[i].x)) { inside = !inside; }
    }
    return inside;
  }

  function pickFeature(lyr, p, polygon) {
    var rings = lyr._rings || [], fid = lyr._wlrFid, best = -1, bd = Infinity, i, j, r;
    if (polygon) {
      for (i = 0; i < rings.length; i++) { if (rings[i].length > 2 && inRing(p, rings[i])) { return fid[i]; } }
    }
    for (i = 0; i < rings.length; i++) {
      r = rings[i];
      for (j = 1; j < r.length; j++) {
        var d = sqSegDist(p, r[j - 1], r[j]);
        if (d < bd) { bd = d; best = i; }
      }
    }
    return best < 0 ? -1 : fid[best];
  }

  /* A canvas layer for very many lines: coordinates in typed arrays (Web Mercator pixels at
     zoom 0), one stroke per category, bounding-box culling, own hit test for popups. Avoids
     creating an object per vertex, which is what makes big Leaflet/folium layers slow. */
  var D2R = Math.PI / 180;
  function mercX(lon) { return 128 + lon * 256 / 360; }
  function mercY(lat) {
    var s = Math.sin(Math.max(Math.min(lat, 85.0511), -85.0511) * D2R);
    return 128 - 256 / (2 * Math.PI) * 0.5 * Math.log((1 + s) / (1 - s));
  }

  var HeavyLines = L.Layer.extend({
    initialize: function (spec, data) {
      var s = data.scale, nParts = 0, nPts = 0, k, j, g, i;
      for (k = 0; k < data.geoms.length; k++) {
        g = data.geoms[k];
        nParts += g.length;
        for (j = 0; j < g.length; j++) { nPts += g[j].length >> 1; }
      }
      var order = [];
      for (k = 0; k < data.geoms.length; k++) { order.push(k); }
      if (data.cat) { order.sort(function (a, b) { return data.cat[a] - data.cat[b]; }); }
      this.spec = spec; this.data = data;
      this.xy = new Float64Array(nPts * 2);
      this.start = new Int32Array(nParts + 1);
      this.fid = new Int32Array(nParts);
      this.cat = new Int32Array(nParts);
      this.bbox = new Float64Array(nParts * 4);
      var p = 0, v = 0;
      for (i = 0; i < order.length; i++) {
        k = order[i]; g = data.geoms[k];
        for (j = 0; j < g.length; j++) {
          var run = g[j], lat = 0, lon = 0, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
          this.start[p] = v; this.fid[p] = k; this.cat[p] = data.cat ? data.cat[k] : 0;
          for (var m = 0; m < run.length; m += 2) {
            lat += run[m]; lon += run[m + 1];
            var x = mercX(lon / s), y = mercY(lat / s);
            this.xy[2 * v] = x; this.xy[2 * v + 1] = y; v++;
            if (x < x0) { x0 = x; } if (x > x1) { x1 = x; } if (y < y0) { y0 = y; } if (y > y1) { y1 = y; }
          }
          this.bbox[4 * p] = x0; this.bbox[4 * p + 1] = y0; this.bbox[4 * p + 2] = x1; this.bbox[4 * p + 3] = y1;
          p++;
        }
      }
      this.start[p] = v;
      this.nParts = p;
    },

    onAdd: function (map) {
      this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide wlr-heavy');
      this._canvas.style.position = 'absolute';
      this._canvas.style.pointerEvents = 'none';  /* events go to the map; hit test is ours */
      /* own pane just below the overlay pane: route, strip and crossings stay on top */
      var pane = map.getPane('wlrHeavy') || map.createPane('wlrHeavy');
      pane.style.zIndex = 390;
      pane.style.pointerEvents = 'none';
      pane.appendChild(this._canvas);
      map.on('moveend zoomend resize viewreset', this._draw, this);
      map.on('click', this._onClick, this);
      map.on('mousemove', this._onMove, this);
      this._draw();
    },

    onRemove: function (map) {
      map.off('moveend zoomend resize viewreset', this._draw, this);
      map.off('click', this._onClick, this);
      map.off('mousemove', this._onMove, this);
      L.DomUtil.remove(this._canvas);
      map.getContainer().style.cursor = '';
    },

    _draw: function () {
      var map = this._map, size = map.getSize(), pad = 0.25;
      var topLeft = map.containerPointToLayerPoint(size.multiplyBy(-pad)).round();
      var full = size.multiplyBy(1 + 2 * pad).round();
      var dpr = window.devicePixelRatio || 1, c = this._canvas;
      c.width = full.x * dpr; c.height = full.y * dpr;
      c.style.width = full.x + 'px'; c.style.height = full.y + 'px';
      L.DomUtil.setPosition(c, topLeft);
      var ctx = c.getContext('2d');
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      var scale = Math.pow(2, map.getZoom());
      var origin = map.getPixelOrigin().add(topLeft), ox = origin.x, oy = origin.y;
      var vx0 = ox / scale, vy0 = oy / scale, vx1 = (ox + full.x) / scale, vy1 = (oy + full.y) / scale;
      var xy = this.xy, start = this.start, bbox = this.bbox, cats = this.cat, styles = this.spec.styles;
      var p = 0, n = this.nParts, CHUNK = 4000, drawnPerCat = {};
      while (p < n) {
        var c0 = cats[p], st = styles[c0] || styles[0], inPath = 0;
        ctx.globalAlpha = st.opacity === undefined ? 1 : st.opacity;
        ctx.strokeStyle = st.color; ctx.lineWidth = st.weight || 2;
        ctx.setLineDash(st.dashArray ? st.dashArray.split(/[ ,]+/).map(Number) : []);
        ctx.beginPath();
        for (; p < n && cats[p] === c0; p++) {
          if (bbox[4 * p + 2] < vx0 || bbox[4 * p] > vx1 || bbox[4 * p + 3] < vy0 || bbox[4 * p + 1] > vy1) { continue; }
          var a = start[p], b = start[p + 1];
          var lx = xy[2 * a] * scale - ox, ly = xy[2 * a + 1] * scale - oy;
          ctx.moveTo(lx, ly);
          var drawn = 0;
          /* pixel decimation: skip vertices less than a pixel from the last one drawn */
          for (var q = a + 1; q < b; q++) {
            var x = xy[2 * q] * scale - ox, y = xy[2 * q + 1] * scale - oy;
            if (q < b - 1 && (x - lx) * (x - lx) + (y - ly) * (y - ly) < 1) { continue; }
            ctx.lineTo(x, y); lx = x; ly = y; drawn++;
          }
          if (!drawn) { ctx.lineTo(lx + 0.5, ly); }
          drawnPerCat[c0] = (drawnPerCat[c0] || 0) + 1;
          if (++inPath >= CHUNK) { ctx.stroke(); ctx.beginPath(); inPath = 0; }
        }
        if (inPath) { ctx.stroke(); }
      }
      this.drawnPerCat = drawnPerCat;  /* parts drawn in the last frame, per category (tests) */
      this.drawnAt = performance.now();
    },

    _hit: function (containerPoint) {
      var map = this._map, scale = Math.pow(2, map.getZoom());
      var pt = map.getPixelOrigin().add(containerPoint);
      var px = pt.x / scale, py = pt.y / scale, tol = 5 / scale, tol2 = tol * tol;
      var xy = this.xy, start = this.start, bbox = this.bbox, best = -1, bd = Infinity;
      for (var p = 0; p < this.nParts; p++) {
        if (px < bbox[4 * p] - tol || px > bbox[4 * p + 2] + tol || py < bbox[4 * p + 1] - tol || py > bbox[4 * p + 3] + tol) { continue; }
        for (var q = start[p] + 1; q < start[p + 1]; q++) {
          var ax = xy[2 * q - 2], ay = xy[2 * q - 1], dx = xy[2 * q] - ax, dy = xy[2 * q + 1] - ay;
          var t = dx || dy ? ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy) : 0;
          t = t < 0 ? 0 : (t > 1 ? 1 : t);
          var ex = ax + t * dx - px, ey = ay + t * dy - py, d = ex * ex + ey * ey;
          if (d < bd) { bd = d; best = p; }
        }
      }
      return bd <= tol2 ? best : -1;
    },

    _onClick: function (e) {
      if (e.originalEvent && e.originalEvent._wlrHit) { return; }  /* a small layer took it */
      var p = this._hit(e.containerPoint);
      if (p >= 0) {
        L.popup(POPUP).setLatLng(e.latlng).setContent(popupEl(this.spec, this.data, this.fid[p])).openOn(this._map);
      }
    },

    _onMove: function (e) {
      if (this._moveQueued) { return; }
      this._moveQueued = true;
      var self = this;
      L.Util.requestAnimFrame(function () {
        self._moveQueued = false;
        if (!self._map) { return; }
        var p = self._hit(e.containerPoint), map = self._map;
        map.getContainer().style.cursor = p >= 0 ? 'pointer' : '';
        if (p >= 0 && self.spec.tooltip !== null) {
          if (!self._tip) { self._tip = L.tooltip({sticky: true, direction: 'top', offset: [0, -8]}); }
          self._tip.setContent(tooltipEl(self.spec, self.data, self.fid[p])).setLatLng(e.latlng);
          if (!map.hasLayer(self._tip)) { self._tip.addTo(map); }
        } else if (self._tip && map.hasLayer(self._tip)) {
          map.removeLayer(self._tip);
        }
      });
    }
  });
  WLR.HeavyLines = HeavyLines;

  function buildHeavy(map, spec, data) {
    if (spec.kind === 'line') { return L.featureGroup([new HeavyLines(spec, data)]); }
    if (spec.kind === 'point') { return buildSmall(map, spec, data); }
    /* heavy polygons: one multi-polygon path per category on the shared canvas */
    var s = data.scale, byCat = {}, renderer = WLR.renderer(map), k, j, m, g, c;
    for (k = 0; k < data.geoms.length; k++) {
      c = data.cat ? data.cat[k] : 0;
      var b = byCat[c] || (byCat[c] = {ll: [], fid: []});
      g = data.geoms[k];
      for (j = 0; j < g.length; j++) {
        var poly = [];
        for (m = 0; m < g[j].length; m++) { poly.push(decodeRun(g[j][m], s)); b.fid.push(k); }
        b.ll.push(poly);
      }
    }
    var group = L.featureGroup();
    Object.keys(byCat).forEach(function (ck) {
      var b = byCat[ck];
      var lyr = pathFor(spec.kind, b.ll, L.extend({renderer: renderer, smoothFactor: 1.5}, spec.styles[+ck]));
      lyr._wlrFid = b.fid;
      lyr.on('click', function (e) {
        var f = pickFeature(lyr, e.layerPoint, true);
        if (f >= 0) { L.popup(POPUP).setLatLng(e.latlng).setContent(popupEl(spec, data, f)).openOn(map); }
      });
      if (spec.cat_labels) { lyr.bindTooltip(el('span', 'wlr-tooltip', spec.cat_labels[+ck]), {sticky: true}); }
      group.addLayer(lyr);
    });
    return group;
  }

  WLR.renderer = function (map) {
    if (!map._wlrRenderer) { map._wlrRenderer = L.canvas({padding: 0.5, tolerance: 4}); }
    return map._wlrRenderer;
  };

  /* Keep points above lines above polygons on the shared canvas, whatever order groups are
     switched on in: the canvas hit test picks the path drawn last. */
  function restack(map) {
    var kinds = ['line', 'point'];
    WLR.entries.forEach(function (e) {
      if (e.map === map && e.layer && e.spec.kind === 'polygon' && map.hasLayer(e.layer)) {
        e.layer.eachLayer(function (l) { if (l.bringToBack) { l.bringToBack(); } });
      }
    });
    kinds.forEach(function (kind) {
      WLR.entries.forEach(function (e) {
        if (e.map === map && e.layer && e.spec.kind === kind && map.hasLayer(e.layer)) {
          e.layer.eachLayer(function (l) { if (l.bringToFront) { l.bringToFront(); } });
        }
      });
    });
  }
  WLR.restack = restack;

  function applyZoom(entry) {
    if (!entry.layer) { return; }
    var want = entry.map.getZoom() >= entry.spec.min_zoom;
    if (want && !entry.group.hasLayer(entry.layer)) { entry.group.addLayer(entry.layer); restack(entry.map); }
    if (!want && entry.group.hasLayer(entry.layer)) { entry.group.removeLayer(entry.layer); }
  }

  function build(entry) {
    if (entry.layer) { return; }
    var spec = entry.spec, t0 = performance.now();
    var data = JSON.parse(document.getElementById(spec.data_id).textContent);
    if (spec.kind === 'chainage') {
      entry.layer = L.featureGroup([new ChainageLabels(spec, data)]);
    } else {
      entry.layer = spec.heavy ? buildHeavy(entry.map, spec, data) : buildSmall(entry.map, spec, data);
    }
    entry.ms = performance.now() - t0;
    entry.n = data.geoms.length;
    applyZoom(entry);
  }

  function maybeBuild(entry) {
    if (!entry.map.hasLayer(entry.group)) { return; }
    if (entry.spec.lazy && entry.map.getZoom() < entry.spec.min_zoom) { return; }
    build(entry);
  }

  WLR.addLayer = function (map, group, spec) {
    var entry = {map: map, group: group, spec: spec, layer: null};
    if (spec.attribution && !group.options.attribution) {
      group.options.attribution = spec.attribution;
      if (map.hasLayer(group) && map.attributionControl) { map.attributionControl.addAttribution(spec.attribution); }
    }
    WLR.entries.push(entry);
    if (!spec.lazy) { build(entry); }
    group.on('add', function () { maybeBuild(entry); applyZoom(entry); });
    map.on('zoomend', function () { maybeBuild(entry); applyZoom(entry); });
    maybeBuild(entry);
    return entry;
  };

  /* Controls: title, legend, banner, search, tile notice. */
  WLR.setup = function (map, cfg) {
    WLR.maps.push(map);
    var container = map.getContainer();
    var banner = document.getElementById(cfg.banner_id);
    if (banner) { container.appendChild(banner); }
    var notice = document.getElementById(cfg.notice_id);
    if (notice) { container.appendChild(notice); }

    function makeControl(id, position) {
      var node = document.getElementById(id);
      if (!node) { return null; }
      var Ctl = L.Control.extend({onAdd: function () { return node; }});
      var ctl = new Ctl({position: position});
      ctl.addTo(map);
      L.DomEvent.disableClickPropagation(node);
      L.DomEvent.disableScrollPropagation(node);
      node.hidden = false;
      return ctl;
    }
    makeControl(cfg.title_id, 'topleft');
    makeControl(cfg.search_id, 'topleft');
    makeControl(cfg.legend_id, 'bottomleft');

    var legend = document.getElementById(cfg.legend_id);
    var toggle = legend && legend.querySelector('.wlr-legend-toggle');
    if (toggle) {
      toggle.addEventListener('click', function () {
        legend.classList.toggle('wlr-collapsed');
        toggle.setAttribute('aria-expanded', legend.classList.contains('wlr-collapsed') ? 'false' : 'true');
      });
    }

    function updateGroups() {
      var anyIndicative = false;
      cfg.groups.forEach(function (g) {
        var lyr = global[g.var];
        var on = !!(lyr && map.hasLayer(lyr));
        if (on && g.indicative) { anyIndicative = true; }
        var sec = legend && legend.querySelector('[data-group-id="' + g.id + '"]');
        if (sec) { sec.classList.toggle('wlr-off', !on); }
      });
      if (banner) { banner.hidden = !anyIndicative; }
    }
    map.on('overlayadd overlayremove layeradd layerremove', updateGroups);
    map.on('click', function (ev) { if (!(ev.originalEvent && ev.originalEvent._wlrHit)) { clearHighlight(); } });
    map.on('overlayadd', function () { restack(map); });
    restack(map);
    updateGroups();

    /* tiles: a notice when the base map cannot load (offline town hall) */
    var errors = 0;
    function tileError() {
      errors += 1;
      if (notice) { notice.hidden = false; }
    }
    function tileLoad() { if (notice) { notice.hidden = true; } }
    (cfg.tile_layers || []).forEach(function (name) {
      var t = global[name];
      if (t && t.on) { t.on('tileerror', tileError); t.on('tileload', tileLoad); }
    });
    WLR.tileErrors = function () { return errors; };

    /* search by municipality / wijk */
    var box = document.getElementById(cfg.search_id);
    if (box && cfg.search_data_id) {
      var entries = JSON.parse(document.getElementById(cfg.search_data_id).textContent);
      var list = box.querySelector('datalist');
      var input = box.querySelector('input');
      var msg = box.querySelector('.wlr-search-msg');
      entries.forEach(function (e) {
        var opt = document.createElement('option');
        opt.value = e.t;
        list.appendChild(opt);
      });
      function go() {
        var q = (input.value || '').trim().toLowerCase();
        if (!q) { return; }
        var hit = null;
        for (var i = 0; i < entries.length && !hit; i++) { if (entries[i].t.toLowerCase() === q) { hit = entries[i]; } }
        for (var j = 0; j < entries.length && !hit; j++) { if (entries[j].t.toLowerCase().indexOf(q) === 0) { hit = entries[j]; } }
        for (var m = 0; m < entries.length && !hit; m++) { if (entries[m].t.toLowerCase().indexOf(q) >= 0) { hit = entries[m]; } }
        if (hit) {
          msg.textContent = '';
          map.fitBounds(hit.b, {maxZoom: 15});
        } else {
          msg.textContent = 'Niet gevonden';
        }
      }
      input.addEventListener('change', go);
      input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { go(); } });
      var btn = box.querySelector('button');
      if (btn) { btn.addEventListener('click', go); }
    }
    WLR.ready = true;
    global.requestAnimationFrame(function () {
      global.requestAnimationFrame(function () { WLR.paintedAt = performance.now(); });
    });
  };

  global.WLR = WLR;
}(window));
