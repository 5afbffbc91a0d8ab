// The markup every table of the UI shares: browser tests find tables by their caption and rows by role.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, type Column } from './DataTable';

interface Row {
  readonly name: string;
  readonly count: number;
}

const COLUMNS: Column<Row>[] = [
  { header: 'Name', cell: (r) => r.name },
  { header: 'Count', cell: (r) => r.count, className: 'msg' },
  { header: 'Actions', hideHeader: true, cell: (r) => createElement('button', { type: 'button' }, `Remove ${r.name}`) },
];

const render = (props: Parameters<typeof DataTable<Row>>[0]) => renderToStaticMarkup(createElement(DataTable<Row>, props));

describe('DataTable', () => {
  it('renders a grid table with a hidden caption, scoped headers and one cell per column', () => {
    const html = render({ caption: 'Things', columns: COLUMNS, rows: [{ name: 'a', count: 1 }], rowKey: (r) => r.name });
    expect(html).toBe(
      '<table class="grid"><caption class="visually-hidden">Things</caption>' +
        '<thead><tr><th scope="col">Name</th><th scope="col">Count</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>' +
        '<tbody><tr><td>a</td><td class="msg">1</td><td><button type="button">Remove a</button></td></tr></tbody></table>',
    );
  });

  it('gives each row the class the table asks for, and none when it does not ask', () => {
    const rows = [
      { name: 'a', count: 1 },
      { name: 'b', count: 2 },
    ];
    expect(render({ caption: 'Things', columns: COLUMNS, rows, rowKey: (r) => r.name, rowClassName: (r) => `row-${r.name}` })).toContain('<tr class="row-b">');
    expect(render({ caption: 'Things', columns: COLUMNS, rows, rowKey: (r) => r.name })).toContain('<tbody><tr><td>a</td>');
  });

  it('renders an empty body for no rows', () => {
    expect(render({ caption: 'Things', columns: COLUMNS, rows: [], rowKey: (r) => r.name })).toContain('<tbody></tbody>');
  });
});
