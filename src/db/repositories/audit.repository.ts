/** The audit log: who did what to which agent, contact or ticket claim, and when. */
import { newId } from '../../domain/ids.js';
import type { Executor } from '../database.js';

export interface AuditActor {
  type: 'agent' | 'system' | 'cli';
  id: string | null;
}

export interface AuditEntry {
  id: string;
  actor: AuditActor;
  action: string;
  target: { type: string; id: string };
  detail: Record<string, unknown>;
  createdAt: number;
}

export async function recordAudit(
  db: Executor,
  actor: AuditActor,
  action: string,
  target: { type: string; id: string },
  detail: Record<string, unknown>,
  now: number,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId(now),
      actor_type: actor.type,
      actor_id: actor.id,
      action,
      target_type: target.type,
      target_id: target.id,
      detail: JSON.stringify(detail),
      created_at: now,
    })
    .execute();
}

/** Newest first; `before` is the id of the last entry of the previous page. */
export async function listAudit(
  db: Executor,
  f: {
    targetType?: string | undefined;
    targetId?: string | undefined;
    action?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (f.targetType) q = q.where('target_type', '=', f.targetType);
  if (f.targetId) q = q.where('target_id', '=', f.targetId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.before) q = q.where('id', '<', f.before);
  const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    actor: { type: r.actor_type as AuditActor['type'], id: r.actor_id },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    createdAt: Number(r.created_at),
  }));
}
