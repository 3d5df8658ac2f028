import { MaxAccess, MibProviderType, ObjectType as T, type Mib, type MibRequest } from "net-snmp";

/**
 * Tables and scalars whose values are computed when a request arrives (counters from the
 * traffic model, status from the live state) instead of being kept up to date by timers.
 * net-snmp walks the instance nodes in the tree, then calls the provider's handler for each
 * varbind it answers: the handler replaces the stored value with the current one.
 */

export interface LazyColumn<R> {
  number: number;
  name: string;
  type: number;
  value: (row: R) => unknown;
  /** Index columns that the MIB declares not-accessible (they appear only in the OID). */
  indexOnly?: boolean;
}

export interface LazyTable<R> {
  /** Provider name, e.g. "ifTable". */
  name: string;
  /** OID of the table's entry node (ifEntry = 1.3.6.1.2.1.2.2.1). */
  entryOid: string;
  columns: LazyColumn<R>[];
  /** Index column names in INDEX order; or `augments` naming the base table's provider. */
  index?: { columnName: string; length?: number; implied?: boolean }[];
  augments?: string;
  rows: R[];
  /** The instance suffix (index part of the OID) of a row, e.g. "3" or "0.12.1". */
  suffix: (row: R) => string;
  /** Index values for deleting a row (default: the suffix's integers, right for integer indexes). */
  rowIndex?: (row: R) => unknown[];
}

/** Registers a table whose cells are computed per request; rows can be re-listed with the returned function. */
export function registerLazyTable<R>(mib: Mib, table: LazyTable<R>): { setRows(rows: R[]): void } {
  const entryLen = table.entryOid.split(".").length;
  const byColumn = new Map(table.columns.map((c) => [c.number, c]));
  let rowsBySuffix = new Map<string, R>();
  const handler = (req: MibRequest): void => {
    const col = byColumn.get(req.address[entryLen] ?? -1);
    const row = rowsBySuffix.get(req.address.slice(entryLen + 1).join("."));
    if (col && row !== undefined) req.instanceNode.value = col.value(row);
    req.done();
  };
  mib.registerProvider({
    name: table.name,
    type: MibProviderType.Table,
    oid: table.entryOid,
    maxAccess: MaxAccess["not-accessible"],
    tableColumns: table.columns.map((c) => ({ number: c.number, name: c.name, type: c.type, maxAccess: c.indexOnly ? MaxAccess["not-accessible"] : MaxAccess["read-only"] })),
    ...(table.augments ? { tableAugments: table.augments } : { tableIndex: table.index ?? [] }),
    handler,
  });
  let current: R[] = [];
  const setRows = (rows: R[]): void => {
    for (const r of current) {
      try {
        mib.deleteTableRow(table.name, rowIndexOf(r));
      } catch {
        // A row already gone is what we wanted.
      }
    }
    rowsBySuffix = new Map(rows.map((r) => [table.suffix(r), r]));
    for (const r of rows) {
      // Stored values are placeholders the handler replaces per request; net-snmp's row check
      // wants Counter64 as exactly 8 octets, while answers use the minimal encoding.
      const cells = table.columns.map((c) => (c.type === T.Counter64 ? Buffer.alloc(8) : c.value(r)));
      mib.addTableRow(table.name, table.augments ? [...rowIndexOf(r), ...cells] : cells);
    }
    current = rows;
  };
  // deleteTableRow takes the index values in INDEX order; for our tables those are the suffix parts.
  const rowIndexOf = (r: R): unknown[] => table.rowIndex?.(r) ?? table.suffix(r).split(".").map(Number);
  setRows(table.rows);
  return { setRows };
}

/** Registers a scalar (x.0) whose value is computed per request. */
export function registerLazyScalar(mib: Mib, name: string, oid: string, type: number, value: () => unknown): void {
  mib.registerProvider({
    name,
    type: MibProviderType.Scalar,
    oid,
    scalarType: type,
    maxAccess: MaxAccess["read-only"],
    handler: (req) => {
      req.instanceNode.value = value();
      req.done();
    },
  });
  mib.setScalarValue(name, value());
}
