// 团内大数据: draw the chart of the page from the table's data (json_script #chart-data).
// Tooltips are drawn in the canvas (renderMode richText): ECharts' HTML tooltips write style=""
// markup, which the Content-Security-Policy (style-src 'self') refuses.
(function () {
  const el = document.getElementById("chart");
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  if (!el || !window.echarts) return;
  const type = document.getElementById("stats-js").dataset.type;
  const chart = echarts.init(el);
  const color = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50", "#95a5a6", "#bdc3c7"];
  const option = type === "pie"
    ? {
        color,
        tooltip: { trigger: "item", formatter: "{b}：{c}人（{d}%）", renderMode: "richText" },
        legend: { type: "scroll", bottom: 0 },
        series: [{ type: "pie", radius: ["30%", "65%"], data: data.labels.map((name, i) => ({ name, value: data.values[i] })) }],
      }
    : {
        color,
        tooltip: { trigger: "axis", formatter: "{b}：{c}人", renderMode: "richText" },
        grid: { left: 40, right: 10, top: 20, bottom: 60 },
        xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 40 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.values, label: { show: true, position: "top" } }],
      };
  chart.setOption(option);
  window.addEventListener("resize", () => chart.resize());
})();
