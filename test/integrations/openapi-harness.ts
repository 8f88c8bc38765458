/**
 * What the OpenAPI conformance tests share: the routes the real express app mounts (walked from
 * its router stack), matching them to the document's path templates, and a checker that takes a
 * real answer and says whether the document lists its status and media type and whether the
 * body matches the schema.
 */
import type { Express } from 'express';
import { checkSchema } from './json-schema-check.js';

type Media = Record<string, { schema?: object }>;
export interface Operation {
  responses: Record<string, { description: string; content?: Media }>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation | string>>;
}
export interface MountedRoute {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const join = (a: string, b: string) => (a + (b === '/' ? '' : b)).replace(/\/+/g, '/') || '/';

/** Every route (method and path, express syntax) the app answers, through every mounted router. */
export function mountedRoutes(app: Express): MountedRoute[] {
  const out: MountedRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') throw new Error(`a route with a non-string path under ${prefix}: describe it or change the test`);
          for (const m of Object.keys(layer.route.methods)) out.push({ method: m === '_all' ? 'all' : m, path: join(prefix, p) });
        }
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string') throw new Error(`a router mounted on a non-string path under ${prefix}`);
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

const templateRe = (template: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);

/** The document's template for an express path (`/api/tickets/:number` → `/api/tickets/{number}`; a mounted `/hooks/forms/contato` → `/hooks/forms/{formId}`). */
export function templateOf(doc: OpenApiDoc, expressPath: string): string | undefined {
  const path = expressPath.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');
  if (doc.paths[path]) return path;
  const concrete = path.replace(/\{[^}]+\}/g, 'x');
  return Object.keys(doc.paths).find((t) => templateRe(t).test(concrete) && t.split('/').length === path.split('/').length);
}

export const OPERATIONS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function documentedOperations(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops)
      .filter((m) => OPERATIONS.includes(m))
      .map((m) => `${m.toUpperCase()} ${p}`),
  );
}

function mediaFor(content: Media, contentType: string | null): { key: string; schema?: object } | undefined {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  for (const [key, m] of Object.entries(content)) {
    if (key === essence || key === '*/*' || (key.endsWith('/*') && essence.startsWith(key.slice(0, -1)))) return { key, ...m };
  }
  return undefined;
}

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

/** What is wrong with `answer` as an answer of `method template` (empty: it is documented and matches). */
export function conformance(doc: OpenApiDoc, method: string, template: string, answer: Answer): string[] {
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op || typeof op === 'string') return [`${method} ${template} is not documented`];
  const resp = op.responses[String(answer.status)];
  if (!resp)
    return [`${method} ${template} answered ${answer.status}, not documented (documented: ${Object.keys(op.responses).join(', ')})`];
  if (!resp.content)
    return answer.text.length === 0 || answer.status === 303
      ? []
      : [`${method} ${template} ${answer.status}: a body, documented without content`];
  const media = mediaFor(resp.content, answer.contentType);
  if (!media)
    return [
      `${method} ${template} ${answer.status}: content type ${answer.contentType} not documented (${Object.keys(resp.content).join(', ')})`,
    ];
  if (media.key !== 'application/json') return [];
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [`${method} ${template} ${answer.status}: not JSON`];
  }
  return checkSchema(media.schema ?? {}, body).map((e) => `${method} ${template} ${answer.status}: ${e}`);
}

/** Calls `url` and checks the answer against the document; records `METHOD template status` in `seen`. */
/** `token`: undefined sends the default (admin) token, null none. */
export function createCaller(
  baseUrl: () => string,
  doc: () => OpenApiDoc,
  seen: Set<string>,
  problems: string[],
  defaultToken: () => string,
) {
  return async function call(
    method: string,
    url: string,
    template: string,
    init: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {},
  ) {
    const token = init.token === undefined ? defaultToken() : init.token;
    const headers: Record<string, string> = {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    };
    const res = await fetch(baseUrl() + url, {
      method,
      headers,
      redirect: 'manual',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : init.raw !== undefined ? { body: init.raw } : {}),
    });
    const text = await res.text();
    const answer = { status: res.status, contentType: res.headers.get('content-type'), text };
    problems.push(...conformance(doc(), method, template, answer));
    seen.add(`${method} ${template} ${res.status}`);
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json, text, headers: res.headers };
  };
}
