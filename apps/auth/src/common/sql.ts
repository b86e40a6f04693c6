/**
 * TypeORM's Postgres `query()` returns `[rows, rowCount]` for UPDATE and DELETE statements and the
 * rows for everything else; this gives the rows either way.
 */
export function rowsOf<T>(raw: unknown): T[] {
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number')
    return raw[0] as T[];
  return (raw ?? []) as T[];
}
