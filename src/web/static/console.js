// Ponte console: progressive enhancement only (every page works without it).
// Live refresh over server-sent events, keyboard shortcuts, canned replies, pairing refresh.
const body = document.body;
const page = body.dataset.page;
const base = body.dataset.base || '';

function fetchFragment(url) {
  return fetch(url, { headers: { 'X-Requested-With': 'fetch', Accept: 'text/html' }, credentials: 'same-origin' }).then((r) =>
    r.ok ? r.text() : Promise.reject(new Error(String(r.status))),
  );
}

function setLive(on) {
  const el = document.getElementById('live');
  if (!el) return;
  el.textContent = on ? el.dataset.on : el.dataset.off;
  el.classList.toggle('on', on);
}

function refreshRows() {
  const tbody = document.getElementById('rows');
  if (!tbody) return;
  const focused =
    document.activeElement && document.activeElement.closest('tr') ? document.activeElement.closest('tr').dataset.number : null;
  fetchFragment(tbody.dataset.src)
    .then((htmlText) => {
      tbody.innerHTML = htmlText;
      if (focused) {
        const link = tbody.querySelector(`tr[data-number="${CSS.escape(focused)}"] a.row-link`);
        if (link) link.focus();
      }
    })
    .catch(() => {});
}

function refreshThread() {
  const thread = document.getElementById('thread');
  if (!thread) return;
  fetchFragment(thread.dataset.src)
    .then((htmlText) => {
      const tpl = document.createElement('template');
      tpl.innerHTML = htmlText;
      const audit = tpl.content.getElementById('audit-next');
      const status = tpl.content.getElementById('status-next');
      if (audit) {
        document.getElementById('audit').replaceChildren(audit.content.cloneNode(true));
        audit.remove();
      }
      if (status) {
        document.getElementById('ticket-status').textContent = status.content.textContent;
        status.remove();
      }
      thread.replaceChildren(tpl.content);
      wireFrames();
    })
    .catch(() => {});
}

function startLive() {
  if (!window.EventSource || !document.getElementById('live')) return;
  let timer = null;
  const es = new EventSource(`${base}/events`);
  es.addEventListener('open', () => setLive(true));
  es.addEventListener('error', () => setLive(false));
  es.addEventListener('tickets', (ev) => {
    let changes = [];
    try {
      changes = JSON.parse(ev.data);
    } catch {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (page === 'inbox') refreshRows();
      if (page === 'ticket' && changes.some((c) => String(c.number) === body.dataset.ticket)) refreshThread();
    }, 150);
  });
}

// Message HTML loads only when the agent opens "formatted version" (sandboxed, no scripts).
function wireFrames() {
  for (const d of document.querySelectorAll('details.formatted')) {
    d.addEventListener(
      'toggle',
      () => {
        const f = d.querySelector('iframe[data-src]');
        if (d.open && f && !f.getAttribute('src')) f.setAttribute('src', f.dataset.src);
      },
      { once: true },
    );
  }
}

function typing(el) {
  return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function moveRow(step) {
  const links = [...document.querySelectorAll('#rows a.row-link')];
  if (!links.length) return;
  const i = links.indexOf(document.activeElement);
  const next = links[Math.max(0, Math.min(links.length - 1, i < 0 ? 0 : i + step))];
  next.focus();
  next.closest('tr').scrollIntoView({ block: 'nearest' });
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Escape' && typing(e.target)) {
    e.target.blur();
    return;
  }
  if (typing(e.target)) return;
  const reply = document.getElementById('reply-body');
  switch (e.key) {
    case 'j':
      if (page === 'inbox') {
        moveRow(1);
        e.preventDefault();
      }
      break;
    case 'k':
      if (page === 'inbox') {
        moveRow(-1);
        e.preventDefault();
      }
      break;
    case '/': {
      const s = document.getElementById('search');
      if (s) {
        s.focus();
        e.preventDefault();
      }
      break;
    }
    case 'r':
      if (reply) {
        document.getElementById('mode-public').checked = true;
        reply.focus();
        e.preventDefault();
      }
      break;
    case 'n':
      if (reply) {
        document.getElementById('mode-internal').checked = true;
        reply.focus();
        e.preventDefault();
      }
      break;
    case 's': {
      const st = document.getElementById('reply-status');
      if (st && reply) {
        st.value = 'solved';
        reply.focus();
        e.preventDefault();
      }
      break;
    }
    case 'u':
      if (page === 'ticket') {
        location.href = `${base}/`;
        e.preventDefault();
      }
      break;
    default:
  }
});

// Ctrl/Cmd+Enter sends the reply from the text box.
const replyBody = document.getElementById('reply-body');
if (replyBody) {
  replyBody.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      document.getElementById('reply-form').requestSubmit();
    }
  });
  const internal = document.getElementById('mode-internal');
  const form = document.getElementById('reply-form');
  const sync = () => form.classList.toggle('is-note', internal.checked);
  for (const r of document.querySelectorAll('input[name="visibility"]')) r.addEventListener('change', sync);
  sync();
}

const canned = document.getElementById('canned');
if (canned && replyBody) {
  canned.addEventListener('change', () => {
    const src = document.querySelector(`#canned-texts textarea[data-i="${CSS.escape(canned.value)}"]`);
    if (!src) return;
    replyBody.value = replyBody.value ? `${replyBody.value}\n\n${src.value}` : src.value;
    canned.value = '';
    replyBody.focus();
  });
}

// Files for the reply: list what was chosen, and refuse too many or too large ones before the
// upload starts (the server checks again, with the same words, when the script is off).
const files = document.getElementById('reply-files');
if (files) {
  const list = document.getElementById('chosen-files');
  const check = () => {
    const max = Number(files.dataset.maxBytes);
    const chosen = [...files.files];
    let problem = '';
    if (chosen.length > Number(files.dataset.maxCount)) problem = files.dataset.tooMany;
    const big = chosen.find((f) => f.size > max);
    if (!problem && big) problem = files.dataset.tooLarge.replace('{name}', big.name);
    files.setCustomValidity(problem);
    list.replaceChildren(
      ...chosen.map((f) => {
        const li = document.createElement('li');
        li.textContent = `${f.name} (${Math.max(1, Math.ceil(f.size / 1024))} KB)`;
        if (f.size > max) li.className = 'too-large';
        return li;
      }),
    );
    if (problem) {
      const li = document.createElement('li');
      li.className = 'error';
      li.setAttribute('role', 'alert');
      li.id = 'files-error';
      li.textContent = problem;
      list.append(li);
    }
  };
  files.addEventListener('change', check);
}

// The pairing QR is short-lived: refresh the panel every few seconds.
if (page === 'pairing' && body.dataset.pairing) {
  const panel = document.getElementById('pairing');
  setInterval(() => {
    fetch(body.dataset.pairing, { credentials: 'same-origin' })
      .then((r) => r.json())
      .then((j) => {
        if (typeof j.html === 'string') panel.innerHTML = j.html;
      })
      .catch(() => {});
  }, 3000);
}

wireFrames();
startLive();
