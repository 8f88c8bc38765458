/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is already
 * SafeHtml (the output of another `html` template). Arrays are joined. Nothing else makes markup,
 * so a customer's subject or name can never become an element.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** For markup we produced ourselves and checked (e.g. a sanitizer's output placed in srcdoc is escaped again). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** `attr` when the condition holds (boolean attributes: selected, checked, disabled). */
export function when(cond: boolean, markup: SafeHtml | string): SafeHtml | string {
  return cond ? markup : '';
}
