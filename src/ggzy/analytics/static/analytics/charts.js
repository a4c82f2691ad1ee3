// Draws one ECharts bar chart per statistics table; the tables stay the accessible source of the data.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var tables = JSON.parse(source.textContent);
    var valueColumn = { category: 2, method: 1, region: 2, month: 2, bidders: 3, savings: 4 };
    Object.keys(tables).forEach(function (name) {
      var t = tables[name];
      var box = document.getElementById("chart-" + name);
      if (!box || !t.rows.length) { if (box) { box.hidden = true; } return; }
      var col = valueColumn[name] || 1;
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 80, right: 16, top: 24, bottom: 48 },
        xAxis: { type: "category", data: t.rows.map(function (r) { return r[0]; }), axisLabel: { interval: 0, rotate: t.rows.length > 4 ? 30 : 0 } },
        yAxis: { type: "value", name: t.columns[col] },
        series: [{ type: "bar", name: t.columns[col], data: t.rows.map(function (r) { return r[col]; }), itemStyle: { color: "#b3261e" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
