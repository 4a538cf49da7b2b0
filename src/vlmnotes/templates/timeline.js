// The timeline page of `vlmnotes timeline --format html`: draws the papers of the JSON in #timeline-data on a
// time axis, in lanes, with lineage arrows; hover shows a summary, click the details and links; a search box
// dims what does not match; two selects zoom to a range of years. Note text only ever goes into the page
// through textContent and setAttribute, never as markup, and only http(s) addresses become links.
// The layout is the one src/vlmnotes/lanes.py makes for the SVG: a mark where the date lies (a bar over the
// month or the year when that is all the date says), labels packed into rows so that none overlaps another.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var ROW = 22, LANE_GAP = 8, LABEL_GAP = 8, AXIS = 34, MIN_PER_YEAR = 120, FONT_PX = 12;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var papers = data.papers;
  var nDated = data.dated;
  var chart = document.getElementById("chart");
  var details = document.getElementById("details");
  var tip = document.getElementById("tip");
  var state = { lanes: data.lanes, from: data.first, to: data.last, query: "", selected: -1 };
  var marks = {}; // paper index -> its <g> while drawn
  var arrows = []; // [path, older, newer]
  var arrowsOf = {}; // paper index -> the arrows drawn to or from it
  var hovered = -1;
  // Past this many arrows the picture is a web of lines: then only a paper's own show, on hover or click.
  var MANY_ARROWS = 250;

  function html(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function webLink(url) {
    return typeof url === "string" && /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
  }

  // --- text widths, measured once -------------------------------------------------------------------------

  var measure = document.createElement("canvas").getContext("2d");
  var fontFamily = getComputedStyle(document.body).fontFamily;
  function width(text, px, bold) {
    measure.font = (bold ? "600 " : "") + px + "px " + fontFamily;
    return measure.measureText(text).width;
  }
  var labelWidth = papers.map(function (p, i) { return i < nDated ? width(p.label, FONT_PX) : 0; });
  var haystack = papers.map(function (p) { return p.find; });

  // --- layout ---------------------------------------------------------------------------------------------

  function layout() {
    var lanes = data.laneSets[state.lanes];
    var from = state.from, to = state.to + 1;
    var laneWidth = 80;
    lanes.names.forEach(function (name) { laneWidth = Math.max(laneWidth, width(name, 13, true) + 28); });
    var left = laneWidth + 16;
    var years = to - from;
    var perYear = Math.max(MIN_PER_YEAR, (chart.clientWidth - left - 150) / years);
    var members = lanes.names.map(function () { return []; });
    for (var i = 0; i < nDated; i++) {
      var p = papers[i];
      if (p.start >= from && p.start < to) members[lanes.of[i]].push(i);
    }
    var placed = [], rows = [], y = 6, right = left + years * perYear;
    members.forEach(function (list, lane) {
      if (!list.length) return;
      var ends = [], top = y;
      list.forEach(function (i) {
        var p = papers[i];
        var x0 = left + (p.start - from) * perYear;
        var x1 = Math.max(x0 + (p.end - p.start) * perYear, x0 + (p.precision === "day" ? 0 : 6));
        var lx = p.precision === "year" ? x0 + 5 : Math.max(x1, x0 + 4) + 5;
        var end = Math.max(lx + labelWidth[i], x1);
        var row = 0;
        while (row < ends.length && ends[row] + LABEL_GAP > x0) row++;
        ends[row] = end;
        placed.push({ i: i, lane: lane, x0: x0, x1: x1, lx: lx, right: end, row: row, y: 0 });
        right = Math.max(right, end);
      });
      var height = Math.max(1, ends.length) * ROW;
      placed.forEach(function (m) { if (m.lane === lane) m.y = top + 4 + m.row * ROW + ROW / 2; });
      rows.push({ lane: lane, name: lanes.names[lane], full: lanes.full[lane], ink: lanes.inks[lane], top: top, bottom: top + height + LANE_GAP });
      y = top + height + LANE_GAP;
    });
    return { marks: placed, lanes: rows, left: left, perYear: perYear, from: from, to: to, width: right + 24, height: y + 8 };
  }

  // --- drawing --------------------------------------------------------------------------------------------

  function markers(defs) {
    data.arrows.forEach(function (a) {
      var marker = svg("marker", { id: "arrow-" + a.type, viewBox: "0 0 10 10", refX: "9", refY: "5",
        markerUnits: "userSpaceOnUse", markerWidth: "10", markerHeight: "10", orient: "auto-start-reverse" });
      marker.appendChild(svg("path", { d: "M0,0L10,5L0,10z", fill: a.colour }));
      defs.appendChild(marker);
    });
  }

  function drawAxis(L) {
    var axis = svg("svg", { "class": "axis", width: L.width, height: AXIS });
    var perMonth = L.perYear / 12;
    for (var year = L.from; year <= L.to; year++) {
      var x = L.left + (year - L.from) * L.perYear;
      axis.appendChild(svg("line", { x1: x, y1: 6, x2: x, y2: AXIS, stroke: "#444" }));
      if (year === L.to) break;
      axis.appendChild(svg("text", { x: x + 4, y: 18, "font-weight": "700", "font-size": "13" }, String(year)));
      if (perMonth >= 12) {
        for (var m = 1; m < 12; m++) {
          var mx = x + m * perMonth;
          axis.appendChild(svg("line", { x1: mx, y1: AXIS - 6, x2: mx, y2: AXIS, stroke: "#999" }));
          if (perMonth >= 34) axis.appendChild(svg("text", { x: mx + 3, y: AXIS - 8, "font-size": "10", fill: "#777" }, MONTHS[m]));
        }
      }
    }
    axis.appendChild(svg("line", { x1: L.left, y1: AXIS - 0.5, x2: L.left + (L.to - L.from) * L.perYear, y2: AXIS - 0.5, stroke: "#444" }));
    return axis;
  }

  function arrowPath(older, newer) {
    var x1 = older.right + 2, y1 = older.y, x2 = newer.x0 - 3, y2 = newer.y;
    var bend = Math.max(30, Math.abs(x2 - x1) / 2);
    return "M" + x1 + "," + y1 + " C" + (x1 + bend) + "," + y1 + " " + (x2 - bend) + "," + y2 + " " + x2 + "," + y2;
  }

  function drawMark(m, colour) {
    var p = papers[m.i];
    var g = svg("g", { "class": "mark", "data-i": m.i, tabindex: "0", role: "button", "aria-label": p.label + ", " + (p.date || "") });
    if (p.precision === "day") g.appendChild(svg("circle", { cx: m.x0, cy: m.y, r: 4.5, fill: colour }));
    else if (p.precision === "month") g.appendChild(svg("rect", { x: m.x0, y: m.y - 5, width: m.x1 - m.x0, height: 10, rx: 2, fill: colour }));
    else g.appendChild(svg("rect", { x: m.x0, y: m.y - 9, width: m.x1 - m.x0, height: 18, rx: 3, fill: colour, "fill-opacity": "0.18" }));
    g.appendChild(svg("text", { x: m.lx, y: m.y + 4 }, p.label));
    return g;
  }

  function render() {
    drawnWidth = chart.clientWidth;
    var L = layout();
    var frag = document.createDocumentFragment();
    marks = {};
    arrows = [];
    arrowsOf = {};
    hovered = -1;
    if (!L.marks.length) {
      frag.appendChild(html("p", { "class": "empty" }, nDated ? "No paper in these years." : "No dated papers."));
    } else {
      frag.appendChild(drawAxis(L));
      var plot = svg("svg", { "class": "plot", width: L.width, height: L.height });
      plot.classList.toggle("few-arrows", !allArrows.checked);
      var defs = svg("defs", {});
      markers(defs);
      plot.appendChild(defs);
      var lanesG = svg("g", {}), gridG = svg("g", {}), arrowsG = svg("g", {}), marksG = svg("g", {});
      // Lane names stay in view when the chart scrolls sideways: HTML held at the left edge (sticky).
      var names = html("div", { "class": "lane-names" });
      L.lanes.forEach(function (lane, n) {
        lanesG.appendChild(svg("rect", { x: 0, y: lane.top, width: L.width, height: lane.bottom - lane.top, fill: n % 2 ? "#ffffff" : "#f6f7f9" }));
        var name = html("span", { "class": "lane-name" }, lane.name);
        name.style.top = lane.top + 4 + "px";
        name.style.color = lane.ink;
        if (lane.full !== lane.name) name.setAttribute("title", lane.full);
        names.appendChild(name);
      });
      frag.appendChild(names);
      for (var year = L.from; year <= L.to; year++) {
        var x = L.left + (year - L.from) * L.perYear;
        gridG.appendChild(svg("line", { x1: x, y1: 0, x2: x, y2: L.height, stroke: "#d8dbe0" }));
      }
      var where = {};
      L.marks.forEach(function (m) { where[m.i] = m; });
      var colours = data.laneSets[state.lanes].colours, laneOf = data.laneSets[state.lanes].of;
      L.marks.forEach(function (m) {
        var g = drawMark(m, colours[laneOf[m.i]]);
        marks[m.i] = g;
        marksG.appendChild(g);
      });
      data.edges.forEach(function (e) {
        var older = where[e[0]], newer = where[e[1]];
        if (!older || !newer) return;
        var a = data.arrowsByType[e[2]];
        var path = svg("path", { "class": "arrow", d: arrowPath(older, newer), stroke: a.colour, "marker-end": "url(#arrow-" + e[2] + ")" });
        if (a.dash) path.setAttribute("stroke-dasharray", a.dash);
        arrowsG.appendChild(path);
        arrows.push([path, e[0], e[1]]);
        (arrowsOf[e[0]] = arrowsOf[e[0]] || []).push(path);
        (arrowsOf[e[1]] = arrowsOf[e[1]] || []).push(path);
      });
      plot.appendChild(lanesG);
      plot.appendChild(gridG);
      plot.appendChild(arrowsG);
      plot.appendChild(marksG);
      frag.appendChild(plot);
    }
    chart.textContent = "";
    chart.appendChild(frag);
    filter();
    if (state.selected >= 0) highlight(state.selected);
  }

  // --- search ---------------------------------------------------------------------------------------------

  function matches(i) {
    if (!state.query) return true;
    var words = state.query.split(/\s+/);
    for (var w = 0; w < words.length; w++) if (words[w] && haystack[i].indexOf(words[w]) < 0) return false;
    return true;
  }

  var undatedItems = [];
  function filter() {
    var shown = 0, hits = 0, hit = {};
    for (var key in marks) {
      var i = +key, ok = matches(i);
      hit[i] = ok;
      shown++;
      if (ok) hits++;
      marks[key].classList.toggle("dim", !ok);
      marks[key].classList.toggle("hit", ok && !!state.query);
    }
    arrows.forEach(function (a) { a[0].classList.toggle("dim", !(hit[a[1]] && hit[a[2]])); });
    var undatedHits = 0;
    undatedItems.forEach(function (li) {
      var ok = matches(+li.getAttribute("data-i"));
      li.classList.toggle("dim", !ok);
      if (ok) undatedHits++;
    });
    var undated = undatedItems.length ? ", " + (state.query ? undatedHits + " of " : "") + undatedItems.length + " undated below" : "";
    var text = (state.query ? hits + " of " : "") + shown + " on the axis" + (shown < nDated ? " (" + nDated + " dated)" : "") + undated;
    document.getElementById("count").textContent = text;
  }

  // --- hover and details ----------------------------------------------------------------------------------

  function meta(p) {
    return [p.date ? p.date + (p.precision !== "day" ? " (" + p.precision + ")" : "") : "undated", p.venue, p.orgs.join(", ")]
      .filter(Boolean).join(" · ");
  }

  function hoverArrows(i) {
    if (i === hovered) return;
    (arrowsOf[hovered] || []).forEach(function (path) { path.classList.remove("hover"); });
    (arrowsOf[i] || []).forEach(function (path) { path.classList.add("hover"); });
    hovered = i;
  }

  function showTip(i, event) {
    hoverArrows(i);
    var p = papers[i];
    tip.textContent = "";
    tip.appendChild(html("b", {}, p.label));
    if (p.title && p.title !== p.label) tip.appendChild(html("div", {}, p.title));
    tip.appendChild(html("div", { "class": "meta" }, meta(p)));
    p.components.forEach(function (c) { tip.appendChild(html("div", { "class": "meta" }, c[0] + ": " + c[1])); });
    if (p.summary) tip.appendChild(html("div", { "class": "summary" }, p.summary));
    tip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var box = tip.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) x = Math.max(8, event.clientX - box.width - 14);
    if (y + box.height > window.innerHeight - 8) y = Math.max(8, event.clientY - box.height - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  function paperButton(i) {
    var b = html("button", { type: "button", "class": "link" }, papers[i].label);
    b.addEventListener("click", function () { select(i, true); });
    return b;
  }

  function select(i, scroll) {
    state.selected = i;
    var p = papers[i];
    details.textContent = "";
    var close = html("button", { type: "button", "class": "close", "aria-label": "Close" }, "×");
    close.addEventListener("click", unselect);
    details.appendChild(close);
    details.appendChild(html("h2", {}, p.label));
    if (p.title && p.title !== p.label) details.appendChild(html("p", { "class": "title" }, p.title));
    var dl = html("dl", {});
    function row(name, value) {
      if (!value) return;
      dl.appendChild(html("dt", {}, name));
      dl.appendChild(html("dd", {}, value));
    }
    row("date", p.date ? p.date + (p.precision !== "day" ? " (" + p.precision + " only)" : "") : "undated");
    row("venue", p.venue);
    row(p.orgs.length > 1 ? "organisations" : "organisation", p.orgs.join(", "));
    p.components.forEach(function (c) { row(c[0], c[1]); });
    row("tags", p.tags.join(" · "));
    details.appendChild(dl);
    if (p.summary) details.appendChild(html("p", { "class": "summary" }, p.summary));
    var links = html("ul", {});
    p.links.forEach(function (l) {
      var url = webLink(l[1]);
      if (!url) return;
      var li = html("li", {});
      li.appendChild(html("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, l[0]));
      links.appendChild(li);
    });
    if (links.childNodes.length) details.appendChild(links);
    var related = html("ul", {});
    data.edges.forEach(function (e) {
      var other = e[0] === i ? e[1] : e[1] === i ? e[0] : -1;
      if (other < 0) return;
      var a = data.arrowsByType[e[2]];
      var li = html("li", {}, (e[0] === i ? a.text : a.inverse) + " ");
      li.appendChild(paperButton(other));
      related.appendChild(li);
    });
    if (related.childNodes.length) {
      details.appendChild(html("h3", {}, "lineage"));
      details.appendChild(related);
    }
    details.hidden = false;
    if (chart.clientWidth !== drawnWidth) render(); // narrower now: fit again
    highlight(i);
    if (scroll && marks[i]) marks[i].scrollIntoView({ block: "center", inline: "nearest" });
  }

  function highlight(i) {
    for (var key in marks) marks[key].classList.toggle("selected", +key === i);
    arrows.forEach(function (a) { a[0].classList.toggle("lit", a[1] === i || a[2] === i); });
  }

  function unselect() {
    state.selected = -1;
    details.hidden = true;
    if (chart.clientWidth !== drawnWidth) render();
    highlight(-1);
  }

  // --- controls -------------------------------------------------------------------------------------------

  function yearOptions(select, value) {
    if (!nDated) return;
    for (var year = data.first; year <= data.last; year++) {
      var option = html("option", { value: String(year) }, String(year));
      if (year === value) option.selected = true;
      select.appendChild(option);
    }
  }

  var fromSelect = document.getElementById("from"), toSelect = document.getElementById("to");
  yearOptions(fromSelect, state.from);
  yearOptions(toSelect, state.to);
  function zoom() {
    var a = +fromSelect.value, b = +toSelect.value;
    state.from = Math.min(a, b);
    state.to = Math.max(a, b);
    render();
  }
  fromSelect.addEventListener("change", zoom);
  toSelect.addEventListener("change", zoom);
  document.getElementById("all-years").addEventListener("click", function () {
    fromSelect.value = String(data.first);
    toSelect.value = String(data.last);
    zoom();
  });
  document.getElementById("lanes").addEventListener("change", function (event) {
    state.lanes = event.target.value;
    render();
  });
  var allArrows = document.getElementById("all-arrows");
  allArrows.checked = data.edges.length <= MANY_ARROWS;
  allArrows.addEventListener("change", function () {
    var plot = chart.querySelector(".plot");
    if (plot) plot.classList.toggle("few-arrows", !allArrows.checked);
  });
  var search = document.getElementById("q");
  search.addEventListener("input", function () {
    state.query = search.value.trim().toLowerCase();
    filter();
  });
  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    for (var i = 0; i < papers.length; i++) {
      if (matches(i) && (marks[i] || i >= nDated)) return select(i, true);
    }
  });

  chart.addEventListener("mouseover", function (event) {
    var g = event.target.closest && event.target.closest(".mark");
    if (g) showTip(+g.getAttribute("data-i"), event);
  });
  chart.addEventListener("mousemove", function (event) {
    var g = event.target.closest && event.target.closest(".mark");
    if (g) showTip(+g.getAttribute("data-i"), event);
    else {
      tip.hidden = true;
      hoverArrows(-1);
    }
  });
  chart.addEventListener("mouseleave", function () {
    tip.hidden = true;
    hoverArrows(-1);
  });
  chart.addEventListener("click", function (event) {
    var g = event.target.closest && event.target.closest(".mark");
    if (g) select(+g.getAttribute("data-i"), false);
  });
  chart.addEventListener("keydown", function (event) {
    var g = event.target.closest && event.target.closest(".mark");
    if (g && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(+g.getAttribute("data-i"), false);
    }
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") unselect(); });

  var list = document.getElementById("undated-list");
  for (var u = nDated; u < papers.length; u++) {
    var li = html("li", { "data-i": String(u) });
    li.appendChild(paperButton(u));
    var title = papers[u].title, name = papers[u].label;
    if (title.indexOf(name) === 0) title = title.slice(name.length).replace(/^[\s:：-]+/, "");
    if (title) li.appendChild(document.createTextNode(": " + title));
    list.appendChild(li);
    undatedItems.push(li);
  }

  // Drawn to fit the chart's width: again when that changes (a resized window, the details panel shown).
  var drawnWidth = 0, resizing = 0;
  function refit() {
    if (chart.clientWidth === drawnWidth) return;
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      render();
      if (state.selected >= 0 && marks[state.selected]) marks[state.selected].scrollIntoView({ block: "nearest", inline: "nearest" });
    }, 60);
  }
  if (window.ResizeObserver) new ResizeObserver(refit).observe(chart);
  else window.addEventListener("resize", refit);

  // A link to the page may say what to show: #lanes=family&from=2022&to=2023&find=blip&select=BLIP-2
  var asked = new URLSearchParams(location.hash.slice(1));
  if (Object.prototype.hasOwnProperty.call(data.laneSets, asked.get("lanes"))) {
    document.getElementById("lanes").value = state.lanes = asked.get("lanes");
  }
  ["from", "to"].forEach(function (key) {
    var year = parseInt(asked.get(key), 10);
    if (year >= data.first && year <= data.last) document.getElementById(key).value = String(year);
  });
  state.from = Math.min(+fromSelect.value, +toSelect.value) || data.first;
  state.to = Math.max(+fromSelect.value, +toSelect.value) || data.last;
  if (asked.get("find")) {
    search.value = asked.get("find");
    state.query = search.value.trim().toLowerCase();
  }
  render();
  if (asked.get("select")) {
    for (var s = 0; s < papers.length; s++) if (papers[s].label === asked.get("select")) { select(s, true); break; }
  }
  void chart.scrollHeight; // the layout of what was drawn, inside the time measured
  document.body.setAttribute("data-marks", String(chart.querySelectorAll(".mark").length));
  document.body.setAttribute("data-render-ms", performance.now().toFixed(0));
})();
