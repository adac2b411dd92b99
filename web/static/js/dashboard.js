// The dashboard's charts (Chart.js, bundled; no CDN, nothing inline): each one is drawn from
// the figures the page embeds as JSON (#dashboard-data), the same figures as the table next
// to it. When the live page swaps in fresh content (livepage.js), the charts are drawn again.

import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip);

// Colours with at least 3:1 contrast against white (WCAG 1.4.11), one per sector or status.
const COLOURS = {
  public: "#1f5fa8", private: "#8a4b00", academic: "#6b3fa0", voluntary: "#1e7a3c",
  pledged: "#6b6b6b", confirmed: "#1f5fa8", delivered: "#1e7a3c", verified: "#0b4d24",
  withdrawn: "#a33", costs: "#8a4b00", income: "#1e7a3c", gap: "#b00020",
};
const FALLBACK = ["#1f5fa8", "#8a4b00", "#1e7a3c", "#6b3fa0", "#b00020"];
const drawn = [];

function colour(key, i) {
  return COLOURS[key] || FALLBACK[i % FALLBACK.length];
}

function bars(canvas, data, currency, { stacked = false, horizontal = false } = {}) {
  const money = (value) => `${Number(value).toLocaleString(document.documentElement.lang)} ${currency}`;
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map((s, i) => ({
        label: s.label, data: s.values, backgroundColor: colour(s.key, i),
      })),
    },
    options: {
      animation: false, maintainAspectRatio: false, indexAxis: horizontal ? "y" : "x",
      scales: { x: { stacked }, y: { stacked } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${money(c.raw)}` } } },
    },
  });
}

function kpi(canvas, k) {
  const datasets = [{ label: k.total_label, data: k.values, borderColor: "#1f5fa8",
    backgroundColor: "#1f5fa8" }];
  Object.entries(k.split).forEach(([label, values], i) => datasets.push({
    label, data: values, borderColor: FALLBACK[(i + 1) % FALLBACK.length],
    backgroundColor: FALLBACK[(i + 1) % FALLBACK.length], borderDash: [4, 3] }));
  if (k.target !== null) {
    datasets.push({ label: k.target_label, data: k.labels.map(() => k.target),
      borderColor: "#b00020", backgroundColor: "#b00020", pointRadius: 0, borderDash: [8, 4] });
  }
  return new Chart(canvas, {
    type: "line", data: { labels: k.labels, datasets },
    options: { animation: false, maintainAspectRatio: false },
  });
}

function draw() {
  while (drawn.length) drawn.pop().destroy();
  const source = document.getElementById("dashboard-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const name = canvas.dataset.chart;
    drawn.push(bars(canvas, data[name], data.currency, {
      stacked: name !== "gap", horizontal: name === "commitments" }));
  }
  const kpis = new Map(data.kpis.map((k) => [k.id, k]));
  for (const canvas of document.querySelectorAll("canvas[data-kpi]")) {
    const k = kpis.get(canvas.dataset.kpi);
    if (k) drawn.push(kpi(canvas, k));
  }
  document.body.dataset.chartsDrawn = String(drawn.length);
}

document.addEventListener("samverkan:updated", draw);
draw();
