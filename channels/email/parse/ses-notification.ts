/**
 * Amazon SES event notifications delivered as mail: SES's own notification mail, or an SNS
 * topic's email subscription whose body is the SNS JSON envelope with the SES event as a string
 * in `Message`. Both are automatic: a bounce, a complaint or a delivery receipt, never a customer.
 *
 * Contract: pure, never throws; only bodies that start with "{" and are under 1 MB are parsed.
 */
export interface SesNotification {
  kind: 'bounce' | 'complaint' | 'delivery' | 'delay';
  /** e.g. "ses Bounce Permanent/General" */
  detail: string;
  recipients: Array<{ address: string; status?: string; action?: string; diagnostic?: string }>;
  originalMessageId?: string;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function parseJson(text: string): Json | undefined {
  if (text.length > 1_000_000) return undefined;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start || text.slice(0, start).trim() !== '') return undefined;
  try {
    return obj(JSON.parse(text.slice(start, end + 1)));
  } catch {
    return undefined;
  }
}

export function readSesNotification(body: string): SesNotification | undefined {
  let event = parseJson(body.trim());
  if (!event) return undefined;
  // SNS envelope: {"Type":"Notification","Message":"{...SES event...}"}
  if (str(event.Type) === 'Notification' && typeof event.Message === 'string') {
    event = parseJson(event.Message.trim());
    if (!event) return undefined;
  }
  const type = str(event.notificationType) ?? str(event.eventType);
  if (!type) return undefined;
  const mail = obj(event.mail);
  const originalMessageId = str(mail?.messageId);
  const withId = (n: SesNotification): SesNotification => (originalMessageId ? { ...n, originalMessageId } : n);
  if (type === 'Bounce') {
    const bounce = obj(event.bounce) ?? {};
    const bounceType = str(bounce.bounceType) ?? '';
    const transient = bounceType === 'Transient';
    const recipients = arr(bounce.bouncedRecipients)
      .map(obj)
      .filter((r): r is Json => Boolean(r && str(r.emailAddress)))
      .slice(0, 100)
      .map((r) => {
        const out: SesNotification['recipients'][number] = {
          address: str(r.emailAddress)!.toLowerCase(),
          action: str(r.action) ?? 'failed',
        };
        const status = str(r.status);
        if (status) out.status = status;
        const diagnostic = str(r.diagnosticCode);
        if (diagnostic) out.diagnostic = diagnostic.slice(0, 1000);
        return out;
      });
    return withId({
      kind: transient ? 'delay' : 'bounce',
      detail: `ses Bounce ${bounceType}/${str(bounce.bounceSubType) ?? ''}`,
      recipients,
    });
  }
  if (type === 'Complaint') {
    const complaint = obj(event.complaint) ?? {};
    const recipients = arr(complaint.complainedRecipients)
      .map(obj)
      .filter((r): r is Json => Boolean(r && str(r.emailAddress)))
      .slice(0, 100)
      .map((r) => ({ address: str(r.emailAddress)!.toLowerCase() }));
    return withId({ kind: 'complaint', detail: `ses Complaint ${str(complaint.complaintFeedbackType) ?? ''}`.trim(), recipients });
  }
  if (type === 'Delivery') return withId({ kind: 'delivery', detail: 'ses Delivery', recipients: [] });
  if (type === 'DeliveryDelay') return withId({ kind: 'delay', detail: 'ses DeliveryDelay', recipients: [] });
  return undefined;
}
