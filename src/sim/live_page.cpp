// The live view's HTML document, kept as one raw string in its own file (not
// a .html embedded by CMake): nothing at build time can go wrong with it, and
// the page is small enough to read here. See live_page.hpp.
//
// What the page relies on, so the browser test can find it:
//   #connection[data-state]        connecting | connected | reconnecting
//   #agents tr[data-agent-id]      cells [data-field] used-cpus, free-cpus, ...
//   #frameworks tr[data-framework-id]
//   #offers tr[data-offer-id]
//   #tasks tr[data-task-id][data-task-name][data-framework-id][data-state]
#include "live_page.hpp"

namespace mesoshttp::sim {

namespace {

constexpr std::string_view page = R"page(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulated Mesos cluster</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.3em; margin: 0 0 .3em; }
  h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
  #status { color: #555; font-size: .9em; }
  #connection { font-weight: 600; padding: 0 .4em; border-radius: 3px; }
  #connection[data-state="connected"] { background: #d9f2d9; color: #145214; }
  #connection[data-state="connecting"], #connection[data-state="reconnecting"] { background: #fbe9c6; color: #6b4a00; }
  table { border-collapse: collapse; background: #fff; font-size: .9em; }
  th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; white-space: nowrap; }
  th { background: #f0f0f0; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.none td { color: #888; font-style: italic; }
  td.state { font-weight: 600; }
  tr[data-state="TASK_RUNNING"] td.state { color: #145214; }
  tr[data-state="TASK_FINISHED"] td.state { color: #555; }
  tr[data-state="TASK_FAILED"] td.state, tr[data-state="TASK_ERROR"] td.state,
  tr[data-state="TASK_LOST"] td.state, tr[data-state="TASK_KILLED"] td.state { color: #a11; }
  tr.removed td { color: #888; }
</style>
</head>
<body>
<h1>Simulated Mesos cluster</h1>
<div id="status"><span id="connection" data-state="connecting">connecting</span>
  <span id="detail"></span></div>

<h2>Agents</h2>
<table id="agents">
  <thead><tr><th>Agent</th><th>Host</th>
    <th>CPUs used</th><th>CPUs free</th><th>Mem used (MB)</th><th>Mem free (MB)</th>
    <th>Disk used (MB)</th><th>Disk free (MB)</th><th>Tasks</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Frameworks</h2>
<table id="frameworks">
  <thead><tr><th>Framework</th><th>Name</th><th>State</th><th>Active tasks</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Outstanding offers</h2>
<table id="offers">
  <thead><tr><th>Offer</th><th>Framework</th><th>Agent</th><th>CPUs</th><th>Mem (MB)</th><th>Disk (MB)</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Tasks</h2>
<table id="tasks">
  <thead><tr><th>Task</th><th>Name</th><th>Framework</th><th>Agent</th><th>State</th></tr></thead>
  <tbody></tbody>
</table>

<script>
'use strict';
// Used and free are what tasks hold: free = total - used by tasks that have
// not ended. Offered resources are free too; the offers table shows them.
const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST',
                          'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
const JSON_HEADERS = {'Content-Type': 'application/json', 'Accept': 'application/json'};
const model = {agents: new Map(), frameworks: new Map(), tasks: new Map(), offers: []};
let heartbeatSeconds = 15;
let lastHeard = Date.now();
let eventsSeen = 0;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const idOf = x => (x && x.value) || '';
const taskKey = (framework, task) => framework + '/' + task;

function scalars(resources) {
  const out = {cpus: 0, mem: 0, disk: 0};
  for (const r of resources || []) {
    if (r.name in out && r.scalar) out[r.name] += r.scalar.value || 0;
  }
  return out;
}

function putAgent(a) {
  const info = a.agent_info || {};
  const id = idOf(info.id);
  model.agents.set(id, {id, hostname: info.hostname || '', total: scalars(a.total_resources || info.resources)});
}

function putFramework(f, removed) {
  const info = f.framework_info || {};
  const id = idOf(info.id);
  model.frameworks.set(id, {id, name: info.name || '', active: !!f.active, connected: !!f.connected,
                            removed: !!removed});
}

function putTask(t) {
  const framework = idOf(t.framework_id), id = idOf(t.task_id);
  model.tasks.set(taskKey(framework, id), {id, name: t.name || '', framework, agent: idOf(t.agent_id),
                                           state: t.state || 'TASK_STAGING', resources: scalars(t.resources)});
}

// SUBSCRIBED carries the whole state: it replaces the model, so a reconnect
// never keeps what the master no longer has.
function applySnapshot(state) {
  model.agents.clear();
  model.frameworks.clear();
  model.tasks.clear();
  for (const a of (state.get_agents || {}).agents || []) putAgent(a);
  const frameworks = state.get_frameworks || {};
  for (const f of frameworks.frameworks || []) putFramework(f, false);
  for (const f of frameworks.completed_frameworks || []) putFramework(f, true);
  const tasks = state.get_tasks || {};
  for (const list of ['pending_tasks', 'tasks', 'unreachable_tasks', 'completed_tasks', 'orphan_tasks']) {
    for (const t of tasks[list] || []) putTask(t);
  }
}

function apply(event) {
  eventsSeen += 1;
  lastHeard = Date.now();
  switch (event.type) {
    case 'SUBSCRIBED':
      applySnapshot(event.subscribed.get_state || {});
      heartbeatSeconds = event.subscribed.heartbeat_interval_seconds || heartbeatSeconds;
      break;
    case 'TASK_ADDED':
      putTask(event.task_added.task);
      break;
    case 'TASK_UPDATED': {
      const u = event.task_updated, status = u.status || {};
      const framework = idOf(u.framework_id), id = idOf(status.task_id);
      let t = model.tasks.get(taskKey(framework, id));
      if (!t) {
        // An update for a task the snapshot did not have: show what it says.
        t = {id, name: '', framework, agent: idOf(status.agent_id), resources: scalars([])};
        model.tasks.set(taskKey(framework, id), t);
      }
      t.state = u.state || status.state || t.state;
      break;
    }
    case 'FRAMEWORK_ADDED':
      putFramework(event.framework_added.framework, false);
      break;
    case 'FRAMEWORK_UPDATED':
      putFramework(event.framework_updated.framework, false);
      break;
    case 'FRAMEWORK_REMOVED': {
      const f = model.frameworks.get(idOf(event.framework_removed.framework_info.id));
      if (f) Object.assign(f, {removed: true, active: false, connected: false});
      break;
    }
    case 'AGENT_ADDED':
      putAgent(event.agent_added.agent);
      break;
    case 'AGENT_REMOVED':
      model.agents.delete(idOf(event.agent_removed.agent_id));
      break;
  }
}

// RecordIO: "<length in bytes>\n<record>". The length counts bytes, so the
// buffer stays bytes until a whole record is in; a chunk may end anywhere.
class RecordReader {
  constructor() {
    this.buffer = new Uint8Array(0);
    this.decoder = new TextDecoder();
  }
  push(chunk) {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    this.buffer = joined;
  }
  * records() {
    for (;;) {
      const newline = this.buffer.indexOf(10);
      if (newline < 0) {
        if (this.buffer.length > 20) throw new Error('a RecordIO length without its newline');
        return;
      }
      const length = Number(this.decoder.decode(this.buffer.subarray(0, newline)));
      if (!Number.isSafeInteger(length) || length < 0) throw new Error('a RecordIO length that is not a number');
      const end = newline + 1 + length;
      if (this.buffer.length < end) return;
      const text = this.decoder.decode(this.buffer.subarray(newline + 1, end));
      this.buffer = this.buffer.slice(end);
      yield text;
    }
  }
}

function setConnection(state, detail) {
  const c = document.getElementById('connection');
  c.dataset.state = state;
  c.textContent = state;
  document.getElementById('detail').textContent = detail || '';
}

// One SUBSCRIBE, read until the stream ends, fails, or falls silent for three
// heartbeat intervals (the watchdog aborts it then).
async function subscribeOnce(onSubscribed) {
  const abort = new AbortController();
  lastHeard = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastHeard > 3000 * heartbeatSeconds) abort.abort();
  }, 1000);
  try {
    const response = await fetch('/api/v1', {method: 'POST', headers: JSON_HEADERS, cache: 'no-store',
                                             body: '{"type":"SUBSCRIBE"}', signal: abort.signal,
                                             redirect: 'manual'});
    if (response.type === 'opaqueredirect') {
      // This master no longer leads: its GET / sends the browser to the
      // leader's page (following the 307 here would be a cross-origin fetch).
      location.replace('/');
      return 'this master no longer leads';
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 200);
      throw new Error('SUBSCRIBE answered ' + response.status + (text ? ': ' + text : ''));
    }
    const reader = response.body.getReader();
    const records = new RecordReader();
    for (;;) {
      const {done, value} = await reader.read();
      if (done) return 'the event stream ended';
      records.push(value);
      for (const text of records.records()) {
        const event = JSON.parse(text);
        apply(event);
        if (event.type === 'SUBSCRIBED') onSubscribed();
      }
      render();
    }
  } finally {
    clearInterval(watchdog);
  }
}

async function followEvents() {
  let delay = 500;
  for (;;) {
    let why;
    try {
      why = await subscribeOnce(() => {
        delay = 500;
        setConnection('connected', 'subscribed to the operator event stream');
      });
    } catch (e) {
      why = (e && e.message) || String(e);
    }
    setConnection('reconnecting', why + '; again in ' + (delay / 1000) + ' s');
    await sleep(delay);
    delay = Math.min(delay * 2, 5000);
  }
}

// Offers are not operator events: GET_FRAMEWORKS lists each framework's
// outstanding offers, asked for every second.
async function pollOffers() {
  for (;;) {
    try {
      const response = await fetch('/api/v1', {method: 'POST', headers: JSON_HEADERS, cache: 'no-store',
                                               body: '{"type":"GET_FRAMEWORKS"}'});
      if (response.ok) {
        const answer = await response.json();
        const offers = [];
        for (const f of (answer.get_frameworks || {}).frameworks || []) {
          for (const o of f.offers || []) {
            offers.push({id: idOf(o.id), framework: idOf(o.framework_id), agent: idOf(o.agent_id),
                         hostname: o.hostname || '', resources: scalars(o.resources)});
          }
        }
        model.offers = offers;
        render();
      }
    } catch (e) {
      // The next round tries again; the connection line shows stream trouble.
    }
    await sleep(1000);
  }
}

const number = v => String(Math.round(v * 100) / 100);

function cell(text, field, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (field) td.dataset.field = field;
  if (className) td.className = className;
  return td;
}

// Rows are rebuilt from the model on every render; textContent (never
// innerHTML) keeps names from frameworks out of the markup.
function fill(tableId, rows, columns) {
  const tbody = document.querySelector('#' + tableId + ' tbody');
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    tr.className = 'none';
    const td = cell('none');
    td.colSpan = columns;
    tr.append(td);
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(...rows);
}

function row(attributes, cells, className) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attributes)) tr.dataset[k] = v;
  if (className) tr.className = className;
  tr.append(...cells);
  return tr;
}

function render() {
  const used = new Map(), running = new Map();
  for (const t of model.tasks.values()) {
    if (TERMINAL.has(t.state)) continue;
    const u = used.get(t.agent) || {cpus: 0, mem: 0, disk: 0};
    for (const k of Object.keys(u)) u[k] += t.resources[k];
    used.set(t.agent, u);
    running.set(t.agent, (running.get(t.agent) || 0) + 1);
    running.set('framework:' + t.framework, (running.get('framework:' + t.framework) || 0) + 1);
  }
  const agentRows = [];
  for (const a of model.agents.values()) {
    const u = used.get(a.id) || {cpus: 0, mem: 0, disk: 0};
    const cells = [cell(a.id, 'id'), cell(a.hostname, 'hostname')];
    for (const k of ['cpus', 'mem', 'disk']) {
      cells.push(cell(number(u[k]), 'used-' + k, 'num'));
      cells.push(cell(number(Math.max(0, a.total[k] - u[k])), 'free-' + k, 'num'));
    }
    cells.push(cell(String(running.get(a.id) || 0), 'tasks', 'num'));
    agentRows.push(row({agentId: a.id}, cells));
  }
  fill('agents', agentRows, 9);

  const frameworkRows = [];
  for (const f of model.frameworks.values()) {
    const state = f.removed ? 'removed' : f.active ? 'active' : f.connected ? 'connected' : 'disconnected';
    frameworkRows.push(row({frameworkId: f.id, state},
                           [cell(f.id, 'id'), cell(f.name, 'name'), cell(state, 'state'),
                            cell(String(running.get('framework:' + f.id) || 0), 'tasks', 'num')],
                           f.removed ? 'removed' : ''));
  }
  fill('frameworks', frameworkRows, 4);

  const hostOf = id => (model.agents.get(id) || {}).hostname || id;
  const frameworkName = id => (model.frameworks.get(id) || {}).name || id;
  fill('offers', model.offers.map(o => row({offerId: o.id, frameworkId: o.framework, agentId: o.agent}, [
    cell(o.id, 'id'), cell(frameworkName(o.framework), 'framework'), cell(o.hostname || hostOf(o.agent), 'agent'),
    cell(number(o.resources.cpus), 'cpus', 'num'), cell(number(o.resources.mem), 'mem', 'num'),
    cell(number(o.resources.disk), 'disk', 'num')])), 6);

  const taskRows = [];
  for (const t of model.tasks.values()) {
    taskRows.push(row({taskId: t.id, taskName: t.name, frameworkId: t.framework, agentId: t.agent, state: t.state}, [
      cell(t.id, 'id'), cell(t.name, 'name'), cell(frameworkName(t.framework), 'framework'),
      cell(hostOf(t.agent), 'agent'), cell(t.state, 'state', 'state')]));
  }
  fill('tasks', taskRows, 5);
  document.body.dataset.events = String(eventsSeen);
}

render();
followEvents();
pollOffers();
</script>
</body>
</html>
)page";

}  // namespace

std::string_view live_page_html() { return page; }

}  // namespace mesoshttp::sim
