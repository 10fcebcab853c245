// How the command line prints: aligned columns for people, or `--json` for
// scripts (one JSON document on stdout, nothing else there: logs go to stderr).

export type Row = Readonly<Record<string, string | number>>;

/** Columns padded to their widest cell, a header line, two spaces apart. */
export function table(rows: readonly Row[], columns: readonly string[]): string {
  const cells = [columns, ...rows.map((row) => columns.map((name) => String(row[name] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) =>
      line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
    )
    .join('\n');
}

/** `12900 EUR` → `129.00 EUR`: two minor digits, as every currency the shop sells has. */
export function money(value: { readonly amount: number; readonly currency: string }): string {
  return `${(value.amount / 100).toFixed(2)} ${value.currency}`;
}
