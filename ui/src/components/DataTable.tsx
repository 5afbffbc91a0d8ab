// The UI's one table: columns are declared as data, and every table gets the same markup (the `grid`
// class, a caption for screen readers, column headers with scope), so a change of it is made once.
import type { ReactNode } from 'react';

export interface Column<T> {
  /** The header text; also the column's React key, so it is unique within a table. */
  readonly header: string;
  /** A header only screen readers announce (a column of buttons needs a name, not a visible title). */
  readonly hideHeader?: boolean;
  readonly cell: (row: T, index: number) => ReactNode;
  /** The class of the column's cells (`msg` lets long messages wrap). */
  readonly className?: string;
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowClassName,
}: {
  /** Read by screen readers and the table's accessible name (tests find tables by it). */
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => string | number;
  rowClassName?: (row: T) => string;
}) {
  return (
    <table className="grid">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header} scope="col">
              {c.hideHeader === true ? <span className="visually-hidden">{c.header}</span> : c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={rowKey(row, i)} className={rowClassName?.(row)}>
            {columns.map((c) => (
              <td key={c.header} className={c.className}>
                {c.cell(row, i)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
