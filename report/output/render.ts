/**
 * The four output formats. json and yaml print the report object itself (for scripts: one
 * document, stable key order); table and wide print the report's view (for people: aligned
 * columns like kubectl, no colours, wide adds columns).
 */
import Table from 'cli-table3';
import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Section {
  /** A line above the table. */
  title?: string;
  head: string[];
  rows: Array<Array<string | number>>;
  /** Printed instead of an empty table. */
  empty: string;
}

/** What table and wide show: sections, then notes (the evidence window, totals). */
export interface View {
  sections: Section[];
  notes: string[];
}

export function render(format: OutputFormat, report: object, view: (wide: boolean) => View): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'yaml') return stringify(report, { lineWidth: 0 });
  const { sections, notes } = view(format === 'wide');
  const parts = sections.map((section) => {
    const title = section.title === undefined ? '' : `${section.title}\n`;
    if (section.rows.length === 0) return `${title}${section.empty}\n`;
    return `${title}${table(section.head, section.rows)}\n`;
  });
  if (notes.length > 0) parts.push(notes.join('\n') + '\n');
  return parts.join('\n');
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ',
};

function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, chars: NO_BORDER, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  for (const row of rows) t.push(row.map(String));
  // cli-table3 pads the last column too; trailing blanks only make diffs noisy.
  return t.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}
