/**
 * The console's SLA overview counts open tickets past a due time. Measured at 100k tickets
 * (bench/console.bench.ts): walking the due indexes and reading each ticket's status from the
 * table cost ~60 ms of CPU per page (every open ticket of a desk that fell behind). With status
 * first and the due times in the index, each count is a range read of the index alone.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tickets_status_first_due_idx').on('tickets').columns(['status', 'first_response_due_at']).execute();
  await db.schema
    .createIndex('tickets_status_next_due_idx')
    .on('tickets')
    .columns(['status', 'next_response_due_at', 'first_response_due_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tickets_status_next_due_idx').execute();
  await db.schema.dropIndex('tickets_status_first_due_idx').execute();
}
