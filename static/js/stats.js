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
    : bars(data, color);
  chart.setOption(option);
  window.addEventListener("resize", () => chart.resize());
  const cut = option.series[0].data.filter((d) => d.real !== undefined && d.real > d.value);
  if (cut.length) {
    const note = document.createElement("p");
    note.className = "small text-muted mt-1";
    note.id = "chart-note";
    note.textContent = `${cut.map((d) => data.labels[data.values.indexOf(d.real)]).join("、")}人数远多于其他各项，其柱形已截断显示（斜纹），实际人数见柱顶数字和表格。`;
    el.after(note);
  }

  // A bar chart stays readable when one value dominates (汉族 99.5% would flatten every other
  // bar): the axis then ends at twice the second largest value, a taller bar is cut there, drawn
  // hatched, and keeps its real count in its label and tooltip (the table beside has every figure).
  function bars(data, color) {
    const sorted = [...data.values].sort((a, b) => b - a);
    const second = sorted[1] || 0;
    const cap = second > 0 && sorted[0] > 5 * second ? Math.ceil(second * 2) : null;
    const items = data.values.map((value) =>
      cap !== null && value > cap
        ? { value: cap, real: value, itemStyle: { decal: { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [4, 3], rotation: -Math.PI / 4 } } }
        : { value, real: value });
    const real = (p) => `${p.name}：${p.data.real}人${cap !== null && p.data.real > cap ? "（超出刻度，已截断）" : ""}`;
    return {
      color,
      tooltip: { trigger: "axis", formatter: (ps) => real(ps[0]), renderMode: "richText" },
      grid: { left: 40, right: 10, top: 20, bottom: 60 },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1, max: cap === null ? null : cap },
      series: [{ type: "bar", data: items, label: { show: true, position: "top", formatter: (p) => String(p.data.real) } }],
    };
  }
})();

