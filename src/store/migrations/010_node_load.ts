import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';
import { hasColumn } from './009_nodes.js';

/**
 * `nodes.load`: what each node carried at its last heartbeat (calls, how late its audio went out, calls
 * refused, SIP messages the kernel dropped), as JSON, so that any node's console and API can show every
 * node's load. '' until the node's first heartbeat after this migration.
 */
export function nodeLoadMigration(flavor: SqlFlavor): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (!(await hasColumn(db, flavor, 'nodes', 'load'))) {
        await db.schema.alterTable('nodes').addColumn('load', 'text', (c) => c.notNull().defaultTo('')).execute();
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('nodes').dropColumn('load').execute();
    },
  };
}
