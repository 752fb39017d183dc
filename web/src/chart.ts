// ECharts, only the parts the console draws (bar and line charts on canvas).
import { init, use, type ECharts } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Series = { name: string; data: number[]; color: string; kind?: 'bar' | 'line' };

export function barChart(el: HTMLElement, days: string[], series: Series[]): ECharts {
  const chart = init(el, undefined, { renderer: 'canvas' });
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    textStyle: { fontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif' },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', minInterval: 1 },
    series: series.map((s) =>
      s.kind === 'line'
        ? { type: 'line', name: s.name, data: s.data, itemStyle: { color: s.color }, lineStyle: { color: s.color, width: 2 }, symbolSize: 6 }
        : { type: 'bar', name: s.name, data: s.data, itemStyle: { color: s.color }, barMaxWidth: 28 },
    ),
  });
  return chart;
}
