import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../schema.js';

/**
 * SourceTrak (docs/sourcetrak.md):
 *
 * - `sourcetrak_visits`: one visitor session of a pool, as the website tag reported its first page
 *   view (referrer, landing page, campaign...). Personal data: erased with its rows after the retention
 *   period (HOOKLINE_SOURCETRAK_RETENTION_DAYS).
 * - `sourcetrak_shown`: the number each session was shown, per location on the page; a call to a
 *   number is matched to the session that showed it last (index on number, last_shown_at).
 * - `sourcetrak_matches`: a call's match, kept with the call: the st_* values as sent (JSON), and the
 *   columns the report groups by. Its personal values are blanked (`erased`) after the retention period.
 *
 * No foreign key from matches to calls: the match is made before the flow writes the call's record.
 */
export function sourcetrakMigration(_flavor: SqlFlavor): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sourcetrak_visits')
        .ifNotExists()
        .addColumn('pid', 'text', (c) => c.primaryKey())
        .addColumn('pool', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('referrer', 'text', (c) => c.notNull())
        .addColumn('search_term', 'text', (c) => c.notNull())
        .addColumn('landing', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('browser', 'text', (c) => c.notNull())
        .addColumn('os', 'text', (c) => c.notNull())
        .addColumn('gclid', 'text', (c) => c.notNull())
        .addColumn('ga_client_id', 'text', (c) => c.notNull())
        .addColumn('campaign', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('url_tag', 'text', (c) => c.notNull())
        .addColumn('custom', 'text', (c) => c.notNull())
        .addColumn('unique_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sourcetrak_visits_last_seen').ifNotExists().on('sourcetrak_visits').column('last_seen_at').execute();

      await db.schema
        .createTable('sourcetrak_shown')
        .ifNotExists()
        .addColumn('pid', 'text', (c) => c.notNull().references('sourcetrak_visits.pid').onDelete('cascade'))
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('first_shown_at', 'bigint', (c) => c.notNull())
        .addColumn('last_shown_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sourcetrak_shown_pk', ['pid', 'location'])
        .execute();
      await db.schema.createIndex('sourcetrak_shown_number').ifNotExists().on('sourcetrak_shown').columns(['number', 'last_shown_at']).execute();

      await db.schema
        .createTable('sourcetrak_matches')
        .ifNotExists()
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('pool', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull())
        .addColumn('pid', 'text')
        .addColumn('rank', 'integer', (c) => c.notNull())
        .addColumn('matched_at', 'bigint', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('campaign', 'text', (c) => c.notNull())
        .addColumn('keyword', 'text', (c) => c.notNull())
        .addColumn('landing', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('erased', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('sourcetrak_matches_matched_at').ifNotExists().on('sourcetrak_matches').column('matched_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('sourcetrak_matches').ifExists().execute();
      await db.schema.dropTable('sourcetrak_shown').ifExists().execute();
      await db.schema.dropTable('sourcetrak_visits').ifExists().execute();
    },
  };
}
