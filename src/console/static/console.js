// The carestream console: plain browser JavaScript, no build step, no
// dependencies. Everything it shows comes from the agent API with the token
// the user typed (sent as the Authorization header); the page itself holds no
// data. Values are written with textContent only, so nothing from the API is
// ever parsed as HTML.
'use strict';

const OUTCOMES = ['REACHED', 'NO_ANSWER', 'CONFIRMED_GENUINE', 'CONFIRMED_FRAUD', 'DECLINED'];
const TOKEN_KEY = 'carestream.console.token';
const REFRESH_MS = 10_000;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

function say(text, kind) {
  const m = $('message');
  m.textContent = text || '';
  m.className = `message ${kind || ''}`;
}

async function api(path, init) {
  const t = token();
  if (!t) throw new Error('sign in with an API token first');
  const headers = { authorization: `Bearer ${t}`, ...(init && init.body ? { 'content-type': 'application/json' } : {}) };
  const r = await fetch(path, { ...init, headers });
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const msg = body && body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${r.status}`;
    const err = new Error(`${path.split('?')[0]}: ${msg}`);
    err.status = r.status;
    throw err;
  }
  return body;
}

/** "in 3h 05m" / "overdue 1d 2h" from whole minutes left. */
function timeLeft(minutes) {
  const m = Math.abs(minutes);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const mm = String(m % 60).padStart(2, '0');
  const span = d > 0 ? `${d}d ${h}h` : `${h}h ${mm}m`;
  return minutes < 0 ? `overdue ${span}` : `in ${span}`;
}

const shortTime = (iso) => (iso ? iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/, '') : '');
const money = (minor) => (minor / 100).toLocaleString('en', { maximumFractionDigits: 0 });

// ---- queue -------------------------------------------------------------

function outcomeControl(task) {
  if (task.status === 'answered') return el('span', { class: 'status-answered' }, `${task.outcome.outcome} ${shortTime(task.outcome.at)}`);
  const select = el('select', { 'data-testid': 'outcome-select', 'aria-label': `outcome of ${task.taskId}` }, OUTCOMES.map((o) => el('option', { value: o }, o)));
  const button = el('button', {
    type: 'button',
    'data-testid': 'outcome-record',
    onclick: async () => {
      button.disabled = true;
      try {
        await api(`/v1/tasks/${encodeURIComponent(task.taskId)}/outcome`, { method: 'POST', body: JSON.stringify({ outcome: select.value }) });
        say(`${select.value} recorded for ${task.taskId}; the queue updates once the pipeline applies it`, 'info');
        setTimeout(loadQueue, 700);
      } catch (err) {
        say(err.message);
        button.disabled = false;
      }
    },
  }, 'Record');
  const attempt = task.lastAttempt ? el('div', { class: 'sub' }, `last: ${task.lastAttempt.outcome} ${shortTime(task.lastAttempt.at)}`) : null;
  return el('span', {}, select, ' ', button, attempt);
}

function queueRow(task) {
  return el('tr', { 'data-testid': 'queue-row', 'data-task-id': task.taskId, 'data-due-by': task.dueBy, 'data-status': task.status },
    el('td', {}, shortTime(task.dueBy)),
    el('td', { class: task.timeLeftMinutes < 0 ? 'late' : '' }, timeLeft(task.timeLeftMinutes)),
    el('td', { class: `prio ${task.priority}` }, task.priority),
    el('td', {}, task.kind),
    el('td', {}, task.ruleId),
    el('td', {}, el('button', { class: 'link', type: 'button', 'data-testid': 'queue-customer', onclick: () => showCustomer(task.customerId) }, task.customerId)),
    el('td', {}, task.tier || '—'),
    el('td', {}, task.channel),
    el('td', { class: `status-${task.status}` }, task.status, task.escalatedBy ? el('div', { class: 'sub' }, `by ${task.escalatedBy}`) : null),
    el('td', {}, outcomeControl(task)),
  );
}

async function loadQueue() {
  const q = new URLSearchParams({ status: $('queue-status').value, limit: '200' });
  if ($('queue-priority').value) q.set('priority', $('queue-priority').value);
  if ($('queue-kind').value) q.set('kind', $('queue-kind').value);
  const page = await api(`/v1/tasks?${q}`);
  $('queue').replaceChildren(...page.tasks.map(queueRow));
  $('queue-asof').textContent = `as of ${shortTime(page.asOf)}`;
  $('queue-more').textContent = page.total > page.tasks.length ? `showing the first ${page.tasks.length} of ${page.total}` : `${page.total} task(s)`;
}

// ---- overview: health, queue counts, suppressions, KPIs -----------------

async function loadOverview() {
  const o = await api('/v1/overview');
  const h = $('health');
  h.textContent = o.health.ready ? 'service ready' : `not ready: ${o.health.failing.join(', ')}`;
  h.className = `health ${o.health.ready ? 'ready' : 'notready'}`;
  $('queue-counts').replaceChildren(...['P1', 'P2', 'P3', 'P4'].map((p) =>
    el('span', { class: 'count', 'data-testid': `count-${p}` }, el('span', { class: `prio ${p}` }, p), ` open ${o.queue.open[p]} · overdue ${o.queue.overdue[p]}`)));
  $('suppressions').replaceChildren(...Object.entries(o.suppressionsByReason).map(([reason, n]) => el('tr', {}, el('td', {}, reason), el('td', {}, n))));
  const cols = [['tier', 'tier'], ['tasksIssued', 'issued'], ['reachedPercent', 'reached %'], ['fraudChecksAnsweredInTimePercent', 'fraud checks answered in time %'], ['escalations', 'escalations'], ['complaints', 'complaints'], ['vipDowngrades', 'VIP downgrades']];
  $('kpis-head').replaceChildren(el('tr', {}, cols.map(([, label]) => el('th', {}, label))));
  $('kpis').replaceChildren(...(o.kpis || []).map((k) => el('tr', {}, cols.map(([key]) => el('td', {}, k[key] === null ? '—' : k[key])))));
}

// ---- customer view -------------------------------------------------------

function evidenceList(evidence) {
  return el('ul', { class: 'evidence', 'data-testid': 'evidence' }, Object.entries(evidence).map(([k, v]) => el('li', {}, `${k} = ${v}`)));
}

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

async function showCustomer(id) {
  $('customer-id').value = id;
  const box = $('customer');
  box.replaceChildren(el('p', { class: 'sub' }, 'loading…'));
  const enc = encodeURIComponent(id);
  const [f, t, q] = await Promise.all([
    api(`/v1/customers/${enc}/features`).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    api(`/v1/customers/${enc}/tasks?limit=50`).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    api('/v1/tasks?status=open,overdue,answered,escalated&limit=200').catch(() => null),
  ]).catch((err) => {
    box.replaceChildren();
    say(err.message);
    return [];
  });
  if (f === undefined) return;
  if (!f && !t) {
    box.replaceChildren(el('p', {}, `nothing is known about ${id}`));
    return;
  }
  const status = new Map(((q && q.tasks) || []).filter((x) => x.customerId === id).map((x) => [x.taskId, x.status]));
  const parts = [el('h3', {}, id, ' ', el('span', { class: 'sub', 'data-testid': 'customer-tier' }, f ? f.tier : ''))];
  if (f) {
    parts.push(facts([
      ['as of', shortTime(f.asOf) || '—'],
      ['assets', money(f.assetsMinor)],
      ['30-day average', money(f.avg30Minor)],
      ['30-day average 180 days ago', money(f.avg30AgoMinor)],
      ['outflows 24 h', `${money(f.outflow24h.sumMinor)} (${f.outflow24h.count})`],
      ['counterparties 90 d', f.counterparties90d],
      ['high-risk streak', f.highRiskStreak],
      ['mortgage interest 30 d', f.mortgageInterest30d],
      ['age', f.profile && f.profile.age !== null ? f.profile.age : '—'],
      ['marketing consent', f.profile ? (f.profile.marketingConsent ? 'yes' : 'no') : '—'],
    ]));
  }
  if (t) {
    parts.push(el('h4', {}, 'Decisions'));
    const rows = [
      ...t.tasks.map((d) => ({ ...d, decision: 'issued', status: status.get(d.taskId) || '' })),
      ...t.suppressions.map((d) => ({ ...d, decision: `suppressed: ${d.reason}`, status: '' })),
    ].sort((a, b) => (a.at < b.at ? 1 : -1));
    parts.push(el('table', { class: 'grid', 'data-testid': 'decisions' },
      el('thead', {}, el('tr', {}, ['when', 'decision', 'kind', 'rule', 'priority', 'reasons', 'evidence', 'status'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows.map((d) => el('tr', { 'data-testid': 'decision', 'data-task-id': d.taskId },
        el('td', {}, shortTime(d.at)), el('td', {}, d.decision), el('td', {}, d.kind), el('td', {}, d.ruleId), el('td', { class: `prio ${d.priority}` }, d.priority || ''),
        el('td', { 'data-testid': 'reasons' }, (d.reasons || []).join(', ')), el('td', {}, evidenceList(d.evidence || {})), el('td', { class: `status-${d.status}` }, d.status))))));
    parts.push(el('h4', {}, 'Timeline of contacts'));
    const events = [
      ...t.tasks.map((d) => ({ at: d.at, what: `${d.kind} task issued (${d.ruleId}), due ${shortTime(d.dueBy)} via ${d.channel}` })),
      ...t.suppressions.map((d) => ({ at: d.at, what: `${d.kind} held back (${d.reason})` })),
      ...t.outcomes.map((o) => ({ at: o.at, what: `outcome ${o.outcome}${o.taskId ? ` for ${o.taskId}` : ''}` })),
      ...t.contacts.map((c) => ({ at: c.at, what: `value contact counted: ${c.kind} (${c.ruleId})` })),
    ].sort((a, b) => (a.at < b.at ? 1 : -1));
    parts.push(el('ul', { 'data-testid': 'timeline' }, events.map((e) => el('li', {}, el('span', { class: 'sub' }, shortTime(e.at)), ' ', e.what))));
  }
  box.replaceChildren(...parts);
}

// ---- wiring --------------------------------------------------------------

async function refresh() {
  if (!token()) return;
  try {
    await Promise.all([loadQueue(), loadOverview()]);
  } catch (err) {
    say(err.message);
    if (err.status === 401) sessionStorage.removeItem(TOKEN_KEY);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('signin').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    say('');
    refresh();
  });
  $('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    for (const id of ['queue', 'customer', 'suppressions', 'kpis', 'queue-counts']) $(id).replaceChildren();
    $('health').textContent = 'health: sign in';
    $('health').className = 'health unknown';
  });
  for (const id of ['queue-priority', 'queue-kind', 'queue-status']) $(id).addEventListener('change', () => loadQueue().catch((err) => say(err.message)));
  $('queue-refresh').addEventListener('click', refresh);
  $('customer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    showCustomer($('customer-id').value.trim()).catch((err) => say(err.message));
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
});
