// Results charts: every chart is drawn from the JSON the page carries (#results-data),
// so the charts show exactly the numbers of the tables beside them.
(function () {
  "use strict";

  var source = document.getElementById("results-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels || {};
  var GRADE_COLORS = { "好": "#198754", "较好": "#0d6efd", "一般": "#ffc107", "差": "#dc3545" };
  var FONT = { fontFamily: "system-ui, 'Noto Sans CJK SC', sans-serif" };

  function num(value) {
    return value === null || value === undefined || value === "" ? null : parseFloat(value);
  }

  function gradeColor(grade) { return GRADE_COLORS[grade] || "#6c757d"; }

  // A tooltip formatter returns HTML: names and titles typed by users go in escaped.
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  var builders = {
    ranking: function (el) {
      var rows = data.ranking || [];
      el.style.height = Math.max(320, 22 * rows.length + 40) + "px";
      return {
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "item" },
        xAxis: { type: "value", scale: true },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
                 axisLabel: { width: 160, overflow: "truncate" } },
        series: [{
          type: "bar", name: labels.composite,
          data: rows.map(function (r) {
            return { value: num(r.value), itemStyle: { color: gradeColor(r.grade) } };
          }),
          label: { show: true, position: "right", formatter: function (p) { return p.value.toFixed(2); } }
        }]
      };
    },
    grades: function () {
      var rows = data.grades || [];
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "65%"], name: labels.reporters,
          label: { formatter: "{b} {c}" },
          data: rows.filter(function (r) { return r.value > 0; }).map(function (r) {
            return { name: r.name, value: r.value, itemStyle: { color: gradeColor(r.name) } };
          })
        }]
      };
    },
    dispersion: function () {
      var rows = data.dispersion || [];
      return {
        grid: { left: 8, right: 16, top: 32, bottom: 28, containLabel: true },
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            return esc(p.name) + "<br>" + labels.composite + " " + p.value[0].toFixed(2) +
              "<br>" + labels.stdev + " " + p.value[1].toFixed(2);
          }
        },
        xAxis: { type: "value", scale: true, name: labels.composite, nameLocation: "middle", nameGap: 24 },
        yAxis: { type: "value", name: labels.stdev },
        series: [{
          type: "scatter", symbolSize: 10,
          data: rows.map(function (r) { return { name: r.name, value: [num(r.value[0]), num(r.value[1])] }; })
        }]
      };
    },
    profile: function () {
      var rows = data.profile || [];
      return {
        tooltip: { trigger: "item" },
        radar: {
          radius: "62%",
          indicator: rows.map(function (r) { return { name: r.name, max: num(r.max) }; })
        },
        series: [{
          type: "radar", name: labels.average,
          areaStyle: { opacity: 0.2 },
          data: [{ name: labels.average, value: rows.map(function (r) { return num(r.value) || 0; }) }]
        }]
      };
    },
    votes: function () {
      var rows = data.votes || [];
      return {
        grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "item" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        yAxis: { type: "value", minInterval: 1, name: labels.votes },
        series: [{
          type: "bar", name: labels.votes, label: { show: true, position: "top" },
          data: rows.map(function (r) { return { value: r.value, itemStyle: { color: gradeColor(r.name) } }; })
        }]
      };
    },
    history: function () {
      var rows = data.history || [];
      return {
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "axis",
          formatter: function (ps) {
            var r = rows[ps[0].dataIndex];
            return r.year + " " + esc(r.title) + "<br>" + labels.composite + " " + (r.composite || "—") +
              " · " + labels.rank + " " + (r.rank === null ? "—" : r.rank) + " · " + (r.grade || "—");
          }
        },
        xAxis: { type: "category", data: rows.map(function (r) { return String(r.year); }) },
        yAxis: { type: "value", scale: true, name: labels.composite },
        series: [{
          type: "line", name: labels.composite, connectNulls: true,
          label: {
            show: true,
            formatter: function (p) { var rank = rows[p.dataIndex].rank; return rank === null ? "" : "#" + rank; }
          },
          data: rows.map(function (r) { return num(r.composite); })
        }]
      };
    }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.dataset.chart];
    if (!build) return;
    var option = build(el);
    option.textStyle = FONT;
    option.animation = false;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
