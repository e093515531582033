// The assessment charts (ECharts, served by the app from node_modules) and the table.
(function () {
  const year = document.getElementById("assessment-script").dataset.year;
  const KINDS = { preview: "预告", questions_open: "征集提问", script_final: "访谈稿", publish: "发布回顾", replies: "书面答复" };
  function chart(id, option) {
    const c = echarts.init(document.getElementById(id), null, { renderer: "svg" });
    // Units on the vertical axis: their long names stay readable however many there are.
    c.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 30, type: "scroll" }, grid: { left: 8, right: 24, top: 64, bottom: 16, containLabel: true } }, option));
    window.addEventListener("resize", () => c.resize());
  }
  fetch(`/api/assessment?year=${year}`).then((r) => r.json()).then((data) => {
    if (data.error) throw new Error(data.error.message);
    const units = data.units;
    const names = units.map((u) => u.unit);
    const yAxis = { type: "category", data: names, inverse: true, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
    chart("chart-ontime", {
      title: { text: "按时完成率（%）", left: "center", top: 6, textStyle: { fontSize: 14 } }, yAxis, xAxis: { type: "value", max: 100 },
      series: Object.keys(KINDS).map((k) => ({ name: KINDS[k], type: "bar",
        data: units.map((u) => u.on_time[k][1] ? Math.round(100 * u.on_time[k][0] / u.on_time[k][1]) : null) })),
    });
    chart("chart-questions", {
      title: { text: "网友提问", left: "center", top: 6, textStyle: { fontSize: 14 } }, yAxis, xAxis: { type: "value", minInterval: 1 },
      series: [["received", "收到"], ["approved", "通过"], ["answered_live", "直播回答"], ["replied", "书面答复"],
        ["replied_on_time", "按时答复"]].map(([k, label]) => ({ name: label, type: "bar", data: units.map((u) => u.questions[k]) })),
    });
    chart("chart-viewers", {
      title: { text: "观看", left: "center", top: 6, textStyle: { fontSize: 14 } }, yAxis, xAxis: { type: "value", minInterval: 1 },
      series: [{ name: "最高同时在线", type: "bar", data: units.map((u) => u.viewers_peak) },
        { name: "回顾页浏览", type: "bar", data: units.map((u) => u.archive_views) }],
    });
    const table = document.getElementById("assessment-table");
    table.tHead.innerHTML = "<tr><th>单位</th><th>牵头</th><th>参与</th>" +
      Object.values(KINDS).map((l) => `<th>${l}</th>`).join("") + "<th>收到提问</th><th>书面答复</th><th>最高在线</th><th>回顾浏览</th></tr>";
    for (const u of units) {
      const tr = document.createElement("tr");
      const cells = [u.unit, u.interviews_led, u.interviews_joined,
        ...Object.keys(KINDS).map((k) => `${u.on_time[k][0]}/${u.on_time[k][1]}`),
        u.questions.received, u.questions.replied, u.viewers_peak, u.archive_views];
      for (const value of cells) { const td = document.createElement("td"); td.textContent = value; tr.appendChild(td); }
      table.tBodies[0].appendChild(tr);
    }
    document.body.dataset.chartsReady = "1";
  }).catch((err) => {
    const box = document.getElementById("assessment-error");
    box.hidden = false;
    box.textContent = err.message;
  });
})();
