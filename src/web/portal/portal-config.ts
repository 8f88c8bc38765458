/**
 * The customer portal's configuration (`portal:` in ponte.yaml): look (name, logo, colours,
 * locale), sign-in (the merchant's signing secret, link lifetime), organizations by email domain,
 * brands (one portal per brand, each at its own path), the new-request form and what customers
 * may do to a ticket. Parsed once with the rest of the config.
 */
import { z } from 'zod';

const LOCALES = ['pt-BR', 'es', 'en'] as const;
const hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #0b5cad');
const path = z.string().regex(/^\/[a-z0-9-]+(\/[a-z0-9-]+)*$/, 'a path like /portal or /help/loja');
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _');
/** A text shown to customers: one string, or one per locale (`{ pt-BR: …, es: …, en: … }`). */
export const localizedText = z.union([z.string().min(1).max(200), z.partialRecord(z.enum(LOCALES), z.string().min(1).max(200))]);
export type LocalizedText = z.infer<typeof localizedText>;

const colors = z
  .object({
    primary: hex.default('#0b5cad'),
    primaryText: hex.default('#ffffff'),
    background: hex.default('#f6f7f9'),
    text: hex.default('#1b1f24'),
  })
  .prefault({});

/** A brand's colours: each one it leaves out is the portal's. */
const brandColors = z
  .object({ primary: hex.optional(), primaryText: hex.optional(), background: hex.optional(), text: hex.optional() })
  .optional();

const look = {
  name: z.string().min(1).max(100).optional(),
  /** https URL (or a path on this server); its origin is added to the page's img-src. */
  logoUrl: z.string().url().max(500).optional(),
  colors: brandColors,
  defaultLocale: z.enum(LOCALES).optional(),
};

export const portalFieldSchema = z.object({
  id,
  label: localizedText,
  type: z.enum(['text', 'textarea', 'select']).default('text'),
  required: z.boolean().default(false),
  options: z
    .array(z.object({ value: z.string().min(1).max(100), label: localizedText }))
    .max(50)
    .default([]),
});
export type PortalField = z.infer<typeof portalFieldSchema>;

export const portalConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    path: path.default('/portal'),
    name: z.string().min(1).max(100).default('Support'),
    logoUrl: look.logoUrl,
    colors,
    /** Falls back to tickets.defaultLocale; the browser's Accept-Language wins, then the customer's choice. */
    defaultLocale: look.defaultLocale,
    /** HMAC-SHA256 key of the merchant's signed links (at least 32 characters; use ${PONTE_PORTAL_SECRET}). Unset: signed links are refused. */
    signingSecret: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(32, 'at least 32 characters (set PONTE_PORTAL_SECRET)').optional(),
    ),
    /** Longest accepted lifetime of a signed link (its `exp` may not be further away). */
    signedLinkMaxMinutes: z.number().int().min(1).max(1440).default(60),
    /** Lifetime of an emailed / WhatsApp'd sign-in link and code. */
    signInMinutes: z.number().int().min(5).max(120).default(20),
    sessionDays: z.number().positive().max(90).default(30),
    secureCookies: z.enum(['auto', 'always', 'never']).default('auto'),
    /** Channel that sends sign-in codes by email (default: the first channel that can mail). */
    emailChannel: z.string().optional(),
    /** Channel that sends sign-in codes by WhatsApp (default: the first that can). */
    whatsappChannel: z.string().optional(),
    /** Channel new requests are received on (default: emailChannel's), so agents' answers go out there. */
    requestChannel: z.string().optional(),
    organizations: z
      .array(
        z.object({
          id,
          name: z.string().min(1).max(200),
          domains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a domain like loja.com.br')).min(1),
        }),
      )
      .default([]),
    /** One portal per brand; each inherits the settings above and overrides its look and path. */
    brands: z
      .array(
        z.object({
          id,
          path,
          ...look,
          /** Only tickets that came in on these channels belong to this brand (empty: all). */
          channels: z.array(z.string()).default([]),
          requestChannel: z.string().optional(),
        }),
      )
      .default([]),
    form: z
      .object({
        categories: z
          .array(z.object({ id: z.string().min(1).max(100), label: localizedText }))
          .max(100)
          .default([]),
        fields: z.array(portalFieldSchema).max(30).default([]),
        /** Ask Normal / High / Urgent (stored as the ticket's priority). */
        impact: z.boolean().default(true),
        /** Ask the order / shipment reference. */
        reference: z.boolean().default(true),
      })
      .prefault({}),
    attachments: z
      .object({
        maxCount: z.number().int().min(0).max(20).default(5),
        maxBytes: z
          .number()
          .int()
          .positive()
          .max(100 * 1024 * 1024)
          .default(10 * 1024 * 1024),
        allowedTypes: z.array(z.string().regex(/^[a-z0-9.+-]+\/([a-z0-9.+-]+|\*)$/i)).default(['image/*', 'application/pdf', 'text/plain']),
      })
      .prefault({}),
    customerMaySolve: z.boolean().default(true),
    customerMayReopen: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    const paths = [p.path, ...p.brands.map((b) => b.path)];
    paths.forEach((x, i) => {
      const where = i === 0 ? ['path'] : ['brands', i - 1, 'path'];
      if (paths.indexOf(x) !== i) ctx.addIssue({ code: 'custom', path: where, message: `path ${x} is used twice` });
      if (/^\/(api|hooks|healthz|readyz|metrics)(\/|$)/.test(x))
        ctx.addIssue({ code: 'custom', path: where, message: `${x} is taken by the gateway (choose e.g. /portal)` });
    });
  })
  .prefault({});

export type PortalConfig = z.output<typeof portalConfigSchema>;

/** One portal as served: the top-level settings with one brand's overrides applied. */
export interface PortalSite {
  brand: string;
  path: string;
  name: string;
  logoUrl: string | undefined;
  colors: PortalConfig['colors'];
  defaultLocale: (typeof LOCALES)[number] | undefined;
  channels: string[];
  requestChannel: string | undefined;
}

export function portalSites(p: PortalConfig): PortalSite[] {
  const main: PortalSite = {
    brand: 'default',
    path: p.path,
    name: p.name,
    logoUrl: p.logoUrl,
    colors: p.colors,
    defaultLocale: p.defaultLocale,
    channels: [],
    requestChannel: p.requestChannel,
  };
  return [
    main,
    ...p.brands.map((b) => ({
      brand: b.id,
      path: b.path,
      name: b.name ?? p.name,
      logoUrl: b.logoUrl ?? p.logoUrl,
      colors: { ...p.colors, ...Object.fromEntries(Object.entries(b.colors ?? {}).filter(([, v]) => v !== undefined)) },
      defaultLocale: b.defaultLocale ?? p.defaultLocale,
      channels: b.channels,
      requestChannel: b.requestChannel ?? p.requestChannel,
    })),
  ];
}

export function localized(text: LocalizedText, locale: string): string {
  if (typeof text === 'string') return text;
  const map = text as Partial<Record<string, string>>;
  return map[locale] ?? map.en ?? map['pt-BR'] ?? Object.values(map)[0] ?? '';
}
