/** The portal's page shell: brand (logo, name, colours via brand.css), navigation, language, sign-out. */
import { html, type SafeHtml } from '../shared/html.js';
import { WEB_LOCALES } from '../shared/i18n.js';
import type { WebContext } from '../shared/web-context.js';
import type { PortalLocals, PortalRuntime } from './portal-deps.js';

const LANG_NAMES: Record<(typeof WEB_LOCALES)[number], string> = { 'pt-BR': 'Português', es: 'Español', en: 'English' };

export interface PortalPage {
  title: string;
  body: SafeHtml;
  nav?: 'mine' | 'org' | 'new' | 'prefs' | undefined;
  page: string;
}

export function portalPage(rt: PortalRuntime, web: WebContext, p: PortalLocals, o: PortalPage): string {
  const { tp } = p;
  const v = p.viewer;
  const link = (key: NonNullable<PortalPage['nav']>, path: string, label: string) =>
    html`<a href="${web.href(path)}"${o.nav === key ? html` aria-current="page"` : ''}>${label}</a>`;
  const nav = v
    ? html`<nav class="p-nav" aria-label="${rt.site.name}">
  ${link('mine', '/', tp('my_requests'))}
  ${v.organization ? link('org', '/?scope=org', tp('org_requests')) : ''}
  ${link('new', '/new', tp('new_request'))}
  ${link('prefs', '/preferences', tp('preferences'))}
</nav>`
    : '';
  const tools = html`<div class="p-tools">
  <form method="post" action="${web.href('/lang')}" class="p-lang">
    <input type="hidden" name="_csrf" value="${web.csrf}">
    <label for="p-lang-select" class="sr">${tp('language')}</label>
    <select id="p-lang-select" name="lang">${WEB_LOCALES.map((l) => html`<option value="${l}"${l === web.locale ? html` selected` : ''}>${LANG_NAMES[l]}</option>`)}</select>
    <button type="submit">${tp('save')}</button>
  </form>
  ${v ? html`<form method="post" action="${web.href('/sign-out')}"><input type="hidden" name="_csrf" value="${web.csrf}"><button type="submit" id="sign-out">${tp('sign_out')}</button></form>` : ''}
</div>`;
  return html`<!doctype html>
<html lang="${web.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · ${rt.site.name}</title>
<link rel="icon" href="${web.href('/static/favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${web.href('/static/portal.css')}">
<link rel="stylesheet" href="${web.href('/brand.css')}">
<script type="module" src="${web.href('/static/portal.js')}"></script>
</head>
<body data-page="${o.page}">
<a class="skip" href="#main">${tp('skip')}</a>
<header class="p-top">
  <a class="p-brand" href="${web.href('/')}">${rt.site.logoUrl ? html`<img src="${rt.site.logoUrl}" alt="" height="32">` : ''}<span>${rt.site.name}</span></a>
  ${tools}
  ${nav}
</header>
${web.flash ? html`<p class="p-flash" role="status" id="flash">${web.flash}</p>` : ''}
<main id="main" tabindex="-1">
${o.body}
</main>
</body>
</html>`.value;
}

/** Colours from the (validated, #rrggbb) config as CSS custom properties: no inline style anywhere. */
export function brandCss(rt: PortalRuntime): string {
  const c = rt.site.colors;
  return `:root{--p:${c.primary};--p-text:${c.primaryText};--bg:${c.background};--fg:${c.text}}\n`;
}

/** The shared CSP with the logo's origin allowed as an image source. */
export function portalCsp(base: string, logoUrl: string | undefined): string {
  let img = "img-src 'self' data:";
  if (logoUrl && /^https?:/i.test(logoUrl)) img += ` ${new URL(logoUrl).origin}`;
  return base.replace(/img-src [^;]*/, img);
}
