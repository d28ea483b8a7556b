/* The client timeline: mood, fatigue and sleep over the chosen range, drawn with uPlot
   (vendored in static/vendor/) from the page's own JSON block (no inline script: CSP).
   Each series has its own line style and point shape besides its colour (Okabe-Ito), so
   the chart reads in grayscale; the same data is in the table below for screen readers
   and for when this script does not run. Every word comes from the page (the
   "timeline-labels" block and the data, rendered by the server in the reader's language). */
(function () {
  "use strict";
  var dataEl = document.getElementById("timeline-data");
  var host = document.getElementById("timeline-chart");
  if (!dataEl || !host || typeof uPlot === "undefined") return;
  var tl = JSON.parse(dataEl.textContent);
  var labelsEl = document.getElementById("timeline-labels");
  if (!labelsEl) return;
  var L = JSON.parse(labelsEl.textContent);
  function fill(template, value) { return template.split("{v}").join(String(value)); }
  var px = uPlot.pxRatio || window.devicePixelRatio || 1;
  var FONT = "12px 'Noto Sans CJK JP', 'Noto Sans JP', sans-serif";
  var AXIS = "#333";
  var GRID = "rgba(0,0,0,0.08)";
  var WD = L.weekdays; // Monday first, as the server's labels

  // Okabe-Ito colours; dash and shape carry the same distinction without colour.
  var SERIES = [
    { key: "mood", title: tl.items.mood, hint: L.hints.mood, color: "#0072B2", dash: [], shape: "circle",
      range: [0.5, 5.5], splits: [1, 2, 3, 4, 5] },
    { key: "fatigue", title: tl.items.fatigue, hint: L.hints.fatigue, color: "#D55E00", dash: [7, 4],
      shape: "triangle", range: [0.5, 5.5], splits: [1, 2, 3, 4, 5] },
    { key: "sleep_hours", title: tl.items.sleep_hours, hint: L.hints.sleep_hours, color: "#009E73", dash: [2, 3],
      shape: "square", range: null, splits: null },
  ];
  // The mark beside a flag's triangle: the first letter of its severity's label (緊/高/注).
  var SEV = {
    urgent: { fill: "#D55E00" },
    high: { fill: "#E69F00" },
    watch: { fill: "#FFFFFF" },
  };

  // The left axis of every panel has one width (so the days line up), wide enough for the
  // event panel's row names in the page's language (English ones are longer).
  var LABEL_FONT = "'Noto Sans CJK JP', sans-serif";
  function widest(font, texts) {
    var g = document.createElement("canvas").getContext("2d");
    if (!g) return 0;
    g.font = font;
    return Math.max.apply(null, texts.map(function (t) { return g.measureText(t).width; }));
  }
  var YAXIS = Math.max(62, Math.ceil(widest("11px " + LABEL_FONT, [L.rows.flag, L.rows.contact, L.rows.missed])) + 8);
  // A week's ticks carry the weekday ("6/10(Wed)"): at least the widest such label apart.
  var DAY_GAP = Math.max(44, Math.ceil(widest(FONT, WD.map(function (w) { return "12/30(" + w + ")"; }))) + 10);

  var days = tl.days;
  var n = days.length;
  var xs = days.map(function (_, i) { return i; });
  var index = {};
  days.forEach(function (d, i) { index[d.date] = i; });
  var parse = function (iso) { var p = iso.split("-"); return new Date(+p[0], +p[1] - 1, +p[2]); };
  var dates = days.map(function (d) { return parse(d.date); });

  function ticks(u) {
    // A week: every day (or every 2nd/3rd on a phone), counted back from today. Longer
    // ranges: Mondays, every 1, 2 or 4 weeks as the width allows.
    var perDay = u.bbox.width / px / n;
    var out = [], i, step;
    if (n <= 8) {
      step = Math.max(1, Math.ceil(DAY_GAP / perDay));
      for (i = n - 1; i >= 0; i -= step) out.unshift(i);
      return out;
    }
    step = 7;
    while (perDay * step < 48 && step < 28) step *= 2;
    for (i = 0; i < n; i++) {
      var monday = dates[i].getDay() === 1;
      if (monday && (out.length === 0 || i - out[out.length - 1] >= step)) out.push(i);
    }
    return out;
  }
  function dayLabel(i) {
    var d = dates[i];
    return d ? d.getMonth() + 1 + "/" + d.getDate() + (n <= 8 ? "(" + WD[(d.getDay() + 6) % 7] + ")" : "") : "";
  }

  function shape(ctx, kind, x, y, r) {
    ctx.beginPath();
    if (kind === "circle") ctx.arc(x, y, r, 0, 2 * Math.PI);
    else if (kind === "triangle") {
      ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
    } else if (kind === "diamond") {
      ctx.moveTo(x, y - r * 1.3); ctx.lineTo(x + r * 1.1, y); ctx.lineTo(x, y + r * 1.3); ctx.lineTo(x - r * 1.1, y);
      ctx.closePath();
    } else ctx.rect(x - r, y - r, 2 * r, 2 * r);
  }

  var hatch = null;
  function hatchPattern(ctx) {
    if (hatch) return hatch;
    var c = document.createElement("canvas");
    var s = Math.round(8 * px);
    c.width = c.height = s;
    var g = c.getContext("2d");
    g.fillStyle = "rgba(0,0,0,0.06)";
    g.fillRect(0, 0, s, s);
    g.strokeStyle = "rgba(0,0,0,0.28)";
    g.lineWidth = px;
    g.beginPath(); g.moveTo(0, s); g.lineTo(s, 0); g.stroke();
    hatch = ctx.createPattern(c, "repeat");
    return hatch;
  }

  function columnX(u, i) {
    var a = u.valToPos(i - 0.5, "x", true), b = u.valToPos(i + 0.5, "x", true);
    return [a, b - a];
  }

  function drawMissed(u) {
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    ctx.fillStyle = hatchPattern(ctx);
    days.forEach(function (d, i) {
      if (!d.missed) return;
      var c = columnX(u, i);
      ctx.fillRect(c[0], top, c[1], h);
    });
    ctx.restore();
  }

  function drawContactsLines(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "rgba(0,0,0,0.45)";
    ctx.lineWidth = px;
    ctx.setLineDash([4 * px, 2 * px, 1 * px, 2 * px]);
    tl.contacts.forEach(function (c) {
      var i = index[c.date];
      if (i === undefined) return;
      var x = Math.round(u.valToPos(i, "x", true)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
    });
    ctx.restore();
  }

  function valuePanel(spec, width, last) {
    var values = days.map(function (d) { return d[spec.key]; });
    var band = tl.usual[spec.key];
    var range = spec.range;
    if (!range) {
      var max = Math.max.apply(null, values.filter(function (v) { return v !== null; }).concat([band.high || 0, 9]));
      range = [0, Math.ceil(max) + 1];
    }
    return {
      opts: {
        width: width,
        height: last ? 150 : 124,
        legend: { show: false },
        cursor: { sync: { key: "timeline" }, points: { show: false }, drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.5, n - 0.5] }, y: { range: range } },
        axes: [
          last
            ? { size: 26, font: FONT, stroke: AXIS, grid: { stroke: GRID }, splits: ticks,
                values: function (u, s) { return s.map(dayLabel); } }
            : { size: 6, font: FONT, stroke: AXIS, grid: { stroke: GRID }, ticks: { show: false },
                splits: ticks, values: function (u, s) { return s.map(function () { return ""; }); } },
          { size: YAXIS, font: FONT, stroke: AXIS, grid: { stroke: GRID },
            splits: spec.splits ? function () { return spec.splits; } : undefined },
        ],
        series: [
          {},
          { label: spec.title, stroke: spec.color, width: 2,
            dash: spec.dash.map(function (v) { return v * px; }), points: { show: false }, spanGaps: false },
        ],
        hooks: {
          drawClear: [function (u) {
            drawMissed(u);
            if (band && band.low !== null) {
              // The client's usual band: a light fill between usual - spread and usual + spread.
              var y1 = u.valToPos(band.high, "y", true), y2 = u.valToPos(band.low, "y", true);
              u.ctx.save();
              u.ctx.fillStyle = "rgba(0,0,0,0.10)";
              u.ctx.fillRect(u.bbox.left, y1, u.bbox.width, y2 - y1);
              u.ctx.strokeStyle = "rgba(0,0,0,0.35)";
              u.ctx.lineWidth = px;
              u.ctx.setLineDash([1 * px, 3 * px]);
              var yu = Math.round(u.valToPos(band.usual, "y", true)) + 0.5;
              u.ctx.beginPath(); u.ctx.moveTo(u.bbox.left, yu); u.ctx.lineTo(u.bbox.left + u.bbox.width, yu);
              u.ctx.stroke();
              u.ctx.restore();
            }
            drawContactsLines(u);
          }],
          draw: [function (u) {
            var ctx = u.ctx;
            ctx.save();
            ctx.lineWidth = 1.5 * px;
            values.forEach(function (v, i) {
              if (v === null) return;
              shape(ctx, spec.shape, u.valToPos(i, "x", true), u.valToPos(v, "y", true), 3.5 * px);
              ctx.fillStyle = spec.color; ctx.fill();
              ctx.strokeStyle = "#fff"; ctx.stroke();
            });
            ctx.restore();
          }],
          setCursor: [readout],
        },
      },
      data: [xs, values],
    };
  }

  function eventsPanel(width) {
    var ROW = { flag: 3, contact: 2, missed: 1 };
    var LABEL = { 3: L.rows.flag, 2: L.rows.contact, 1: L.rows.missed };
    return {
      opts: {
        width: width,
        height: 96,
        legend: { show: false },
        cursor: { sync: { key: "timeline" }, points: { show: false }, drag: { x: false, y: false } },
        scales: { x: { time: false, range: [-0.5, n - 0.5] }, y: { range: [0.4, 3.6] } },
        axes: [
          { side: 0, size: 26, font: FONT, stroke: AXIS, grid: { stroke: GRID }, splits: ticks,
            values: function (u, s) { return s.map(dayLabel); } },
          { size: YAXIS, font: "11px sans-serif", stroke: AXIS, grid: { show: false }, ticks: { show: false },
            splits: function () { return [1, 2, 3]; }, values: function (u, s) { return s.map(function () { return ""; }); } },
        ],
        series: [{}, { show: false }],
        hooks: {
          draw: [function (u) {
            var ctx = u.ctx, r = 5 * px;
            ctx.save();
            ctx.font = Math.round(11 * px) + "px " + LABEL_FONT;
            ctx.textBaseline = "middle";
            ctx.fillStyle = AXIS;
            ctx.textAlign = "right";
            [3, 2, 1].forEach(function (row) {
              ctx.fillText(LABEL[row], u.bbox.left - 3 * px, u.valToPos(row, "y", true));
            });
            // Missed expected days: a cross.
            ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5 * px;
            days.forEach(function (d, i) {
              if (!d.missed) return;
              var x = u.valToPos(i, "x", true), y = u.valToPos(ROW.missed, "y", true), s = 3.5 * px;
              ctx.beginPath(); ctx.moveTo(x - s, y - s); ctx.lineTo(x + s, y + s);
              ctx.moveTo(x + s, y - s); ctx.lineTo(x - s, y + s); ctx.stroke();
            });
            // Contacts: meetings a filled diamond, calls and messages a hollow circle.
            tl.contacts.forEach(function (c) {
              var i = index[c.date];
              if (i === undefined) return;
              var x = u.valToPos(i, "x", true), y = u.valToPos(ROW.contact, "y", true);
              shape(ctx, c.meeting ? "diamond" : "circle", x, y, r * 0.9);
              ctx.fillStyle = c.meeting ? "#CC79A7" : "#fff"; ctx.fill();
              ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5 * px; ctx.stroke();
            });
            // Flags: a bar over the days the condition lasted, a triangle with the severity's
            // first letter on the first day.
            ctx.textAlign = "center";
            tl.flags.forEach(function (f) {
              var a = index[f.date], b = index[f.last_date];
              if (a === undefined) return;
              if (b === undefined) b = n - 1;
              var y = u.valToPos(ROW.flag, "y", true);
              var xa = u.valToPos(a, "x", true), xb = u.valToPos(b, "x", true);
              ctx.strokeStyle = "#000"; ctx.lineWidth = 2 * px;
              if (xb > xa) { ctx.beginPath(); ctx.moveTo(xa, y); ctx.lineTo(xb, y); ctx.stroke(); }
              var sev = SEV[f.severity] || SEV.watch;
              shape(ctx, "triangle", xa, y, r * 1.3);
              ctx.fillStyle = sev.fill; ctx.fill();
              ctx.lineWidth = 1.5 * px; ctx.stroke();
              ctx.fillStyle = "#000";
              ctx.font = "bold " + Math.round(10 * px) + "px 'Noto Sans CJK JP', sans-serif";
              ctx.fillText((f.severity_label || "").charAt(0), xa + r * 2.4, y - r * 0.2);
            });
            ctx.restore();
          }],
          setCursor: [readout],
        },
      },
      data: [xs, xs.map(function () { return null; })],
    };
  }

  var out = document.getElementById("timeline-readout");
  function readout(u) {
    var i = u.cursor.idx;
    if (!out || i === null || i === undefined || !days[i]) return;
    var d = days[i];
    var parts = [d.label];
    if (d.answered) {
      parts.push(fill(L.mood, d.mood ?? "-"), fill(L.fatigue, d.fatigue ?? "-"),
        fill(L.sleep, d.sleep_hours === null ? "-" : fill(L.hours[d.sleep_hours === 1 ? 0 : 1], d.sleep_hours)));
    } else if (d.missed) parts.push(L.missed);
    else parts.push(d.date === tl.today && d.expected ? L.not_yet : L.no_entry);
    d.flags.forEach(function (f) { parts.push(fill(L.flag, f.severity_label)); });
    d.contacts.forEach(function (c) { parts.push(c.label); });
    if (d.note) parts.push(fill(L.note, d.note));
    out.textContent = parts.join(L.sep);
  }

  var plots = [];
  function build() {
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    host.textContent = "";
    var width = Math.max(260, host.clientWidth);
    var panels = [{ title: L.events, hint: "", spec: null }].concat(SERIES.map(function (s) {
      return { title: s.title, hint: s.hint, spec: s };
    }));
    panels.forEach(function (p) {
      var wrap = document.createElement("div");
      wrap.className = "tl-panel";
      var head = document.createElement("div");
      head.className = "tl-panel-title";
      if (p.spec) head.appendChild(swatch(p.spec));
      head.appendChild(document.createTextNode(p.title + (p.hint ? " (" + p.hint + ")" : "")));
      wrap.appendChild(head);
      host.appendChild(wrap);
      var cfg = p.spec ? valuePanel(p.spec, width, p.spec === SERIES[SERIES.length - 1]) : eventsPanel(width);
      plots.push(new uPlot(cfg.opts, cfg.data, wrap));
    });
  }

  var SVG = "http://www.w3.org/2000/svg";
  function swatch(spec) {
    // A small legend sample: the series' line style and point shape.
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "34"); svg.setAttribute("height", "12");
    svg.setAttribute("aria-hidden", "true");
    var line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", "1"); line.setAttribute("x2", "33"); line.setAttribute("y1", "6"); line.setAttribute("y2", "6");
    line.setAttribute("stroke", spec.color); line.setAttribute("stroke-width", "2");
    if (spec.dash.length) line.setAttribute("stroke-dasharray", spec.dash.join(" "));
    svg.appendChild(line);
    var pt;
    if (spec.shape === "circle") {
      pt = document.createElementNS(SVG, "circle");
      pt.setAttribute("cx", "17"); pt.setAttribute("cy", "6"); pt.setAttribute("r", "3.5");
    } else if (spec.shape === "triangle") {
      pt = document.createElementNS(SVG, "polygon");
      pt.setAttribute("points", "17,1.5 21,9.5 13,9.5");
    } else {
      pt = document.createElementNS(SVG, "rect");
      pt.setAttribute("x", "13.5"); pt.setAttribute("y", "2.5"); pt.setAttribute("width", "7"); pt.setAttribute("height", "7");
    }
    pt.setAttribute("fill", spec.color);
    svg.appendChild(pt);
    return svg;
  }

  build();
  host.classList.add("drawn");
  var legend = document.getElementById("timeline-legend");
  if (legend) legend.hidden = false;
  // The daily table stays open without JavaScript; once the chart is drawn it folds away.
  var table = document.getElementById("timeline-table");
  if (table) table.open = false;
  var last = host.clientWidth, timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (host.clientWidth !== last) { last = host.clientWidth; build(); }
    }, 150);
  });
})();
