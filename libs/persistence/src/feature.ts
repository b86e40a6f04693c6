import type { MixedList, EntitySchema } from 'typeorm';

/**
 * What one service brings to the database: its own Postgres schema, its entities and its explicit
 * migrations (raw SQL up/down; never `synchronize`). A service reads only its own schema.
 */
export interface PersistenceFeature {
  /** Owning service, e.g. "audit". */
  service: string;
  /** Postgres schema owned by the service, e.g. "audit". */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}
