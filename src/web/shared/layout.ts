/** The page shell: head (our CSS and one ES module, nothing inline), the top bar, skip link, main. */
import { html, type SafeHtml } from './html.js';
import { WEB_LOCALES } from './i18n.js';
import type { WebContext } from './web-context.js';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Which top-bar entry is current. */
  nav?: 'inbox' | 'agents' | 'channels' | 'sla' | undefined;
  /** data-page on <body>: which enhancements the script turns on. */
  page: string;
  /** Extra data-* attributes for the script (escaped). */
  data?: Record<string, string> | undefined;
}

const LANG_NAMES: Record<(typeof WEB_LOCALES)[number], string> = { 'pt-BR': 'Português', es: 'Español', en: 'English' };

export function page(web: WebContext, o: PageOptions): string {
  const { tr } = web;
  const navLink = (key: NonNullable<PageOptions['nav']>, path: string, label: string) =>
    html`<a href="${web.href(path)}"${o.nav === key ? html` aria-current="page"` : ''}>${label}</a>`;
  const data = Object.entries(o.data ?? {}).map(([k, v]) => html` data-${k.replace(/[^a-z-]/g, '')}="${v}"`);
  const bar = web.agent
    ? html`<header class="topbar">
  <a class="brand" href="${web.href('/')}">${tr('app_name')}</a>
  <nav aria-label="${tr('app_name')}">
    ${navLink('inbox', '/', tr('inbox'))}
    ${web.agent.role === 'admin' ? [navLink('agents', '/admin/agents', tr('agents')), navLink('channels', '/admin/channels', tr('channels')), navLink('sla', '/admin/sla', tr('sla'))] : ''}
  </nav>
  <span class="live" id="live" role="status" aria-live="polite" data-on="${tr('live_on')}" data-off="${tr('live_off')}"></span>
  <details class="menu">
    <summary>${web.agent.name}</summary>
    <div class="menu-body">
      <form method="post" action="${web.href('/lang')}" class="lang">
        <input type="hidden" name="_csrf" value="${web.csrf}">
        <label>${tr('language')} <select name="lang">${WEB_LOCALES.map((l) => html`<option value="${l}"${l === web.locale ? html` selected` : ''}>${LANG_NAMES[l]}</option>`)}</select></label>
        <button type="submit">${tr('save')}</button>
      </form>
      <form method="post" action="${web.href('/logout')}"><input type="hidden" name="_csrf" value="${web.csrf}"><button type="submit">${tr('sign_out')}</button></form>
      <form method="post" action="${web.href('/logout-everywhere')}"><input type="hidden" name="_csrf" value="${web.csrf}"><button type="submit">${tr('sign_out_everywhere')}</button></form>
    </div>
  </details>
</header>`
    : '';
  return html`<!doctype html>
<html lang="${web.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${web.csrf}">
<title>${o.title} · ${tr('app_name')}</title>
<link rel="icon" href="${web.href('/static/favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${web.href('/static/console.css')}">
<script type="module" src="${web.href('/static/console.js')}"></script>
</head>
<body data-page="${o.page}" data-base="${web.base}"${data}>
<a class="skip" href="#main">${tr('skip_to_content')}</a>
${bar}
${web.flash ? html`<p class="flash" role="status">${web.flash}</p>` : ''}
<main id="main" tabindex="-1">
${o.body}
</main>
</body>
</html>`.value;
}
