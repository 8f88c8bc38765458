/** A cookie-keeping HTTP client for the console's pages (forms with their CSRF token). */
export interface ConsoleClient {
  cookies: Map<string, string>;
  get(path: string): Promise<{ status: number; text: string; headers: Headers }>;
  /** Posts a form; `_csrf` is taken from the last page fetched unless given. */
  post(
    path: string,
    form: Record<string, string>,
    options?: { csrf?: string | null },
  ): Promise<{ status: number; text: string; headers: Headers }>;
  /** Posts a multipart form (what the reply box sends); `_csrf` as for `post`. */
  postMultipart(
    path: string,
    form: Record<string, string>,
    files: Array<{ field: string; name: string; type: string; data: Buffer | string }>,
    options?: { csrf?: string | null },
  ): Promise<{ status: number; text: string; headers: Headers }>;
  csrf(): string;
}

export function consoleClient(baseUrl: string): ConsoleClient {
  const cookies = new Map<string, string>();
  let lastCsrf = '';
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/Max-Age=0/.test(c)) cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const read = async (res: Response) => {
    keep(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) lastCsrf = m[1]!;
    return { status: res.status, text, headers: res.headers };
  };
  return {
    cookies,
    async get(path) {
      return read(await fetch(baseUrl + path, { redirect: 'manual', headers: { cookie: header(), accept: 'text/html' } }));
    },
    async post(path, form, options = {}) {
      const body = new URLSearchParams(form);
      if (options.csrf !== null) body.set('_csrf', options.csrf ?? lastCsrf);
      return read(
        await fetch(baseUrl + path, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' },
          body,
        }),
      );
    },
    async postMultipart(path, form, files, options = {}) {
      const body = new FormData();
      if (options.csrf !== null) body.set('_csrf', options.csrf ?? lastCsrf);
      for (const [k, v] of Object.entries(form)) body.set(k, v);
      for (const f of files) body.append(f.field, new Blob([f.data], { type: f.type }), f.name);
      return read(await fetch(baseUrl + path, { method: 'POST', redirect: 'manual', headers: { cookie: header() }, body }));
    },
    csrf: () => lastCsrf,
  };
}
