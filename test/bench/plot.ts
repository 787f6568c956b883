/** Small charts of a requests-per-second curve: ASCII for the terminal, SVG for bench-results/. */

export interface Series {
  label: string;
  values: number[];
}

const kilo = (value: number) => `${Math.round(value / 100) / 10}k`;

/** Each column is the busiest second of its stretch; `mark` draws a level (the steady rate) as dots. */
export function asciiPlot(values: number[], { width = 64, height = 10, mark }: { width?: number; height?: number; mark?: number } = {}) {
  const perColumn = Math.ceil(values.length / width);
  const columns = Array.from({ length: Math.ceil(values.length / perColumn) }, (_, i) =>
    Math.max(...values.slice(i * perColumn, (i + 1) * perColumn)),
  );
  const top = Math.max(...columns, mark ?? 0);
  const rows: string[] = [];
  for (let row = height; row >= 1; row--) {
    const level = (row / height) * top;
    const below = ((row - 1) / height) * top;
    const line = columns.map((value) =>
      value >= level - top / height / 2 ? '█' : mark !== undefined && mark > below && mark <= level ? '·' : ' ',
    );
    rows.push(`${(row === height ? kilo(top) : row === 1 ? '0' : '').padStart(7)} │${line.join('')}`);
  }
  rows.push(`${''.padStart(7)} └${'─'.repeat(columns.length)}`);
  rows.push(`${''.padStart(9)}one column = ${perColumn} s`);
  return rows.join('\n');
}

/** Curves on a log scale (a lockstep crowd is a hundred times the steady rate), with labelled seconds. */
export function svgPlot(series: Series[], { title, markers }: { title: string; markers: Array<{ at: number; label: string }> }) {
  const [width, height, pad] = [900, 360, 50];
  const length = Math.max(...series.map((one) => one.values.length));
  const top = Math.log10(Math.max(10, ...series.flatMap((one) => one.values)));
  const x = (second: number) => pad + (second / length) * (width - 2 * pad);
  const y = (value: number) => height - pad - (Math.log10(Math.max(1, value)) / top) * (height - 2 * pad);
  const colours = ['#1f77b4', '#d62728', '#2ca02c'];
  const lines = series.map(
    (one, i) =>
      `<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="1.5" points="${one.values.map((value, second) => `${x(second).toFixed(1)},${y(value).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${width - pad - 260}" y="${height - 8 - 15 * i}" fill="${colours[i % colours.length]}" font-size="13">${one.label}</text>`,
  );
  const ticks = Array.from({ length: Math.floor(top) + 1 }, (_, power) => 10 ** power).map(
    (value) => `<text x="4" y="${y(value) + 4}" font-size="11">${value >= 1000 ? kilo(value) : value}</text>`,
  );
  const marks = markers.map(
    ({ at, label }) =>
      `<line x1="${x(at)}" x2="${x(at)}" y1="${pad}" y2="${height - pad}" stroke="#999" stroke-dasharray="4"/><text x="${x(at) + 4}" y="${height - pad + 16}" font-size="11">${label}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${pad}" y="20" font-size="14">${title}</text>${ticks.join('')}${marks.join('')}${lines.join('')}</svg>\n`;
}
