// Gleaner labeling dashboard: plain JavaScript, no build step, no libraries.
// The token lives in sessionStorage (this tab only) and goes out as "Authorization: Bearer";
// no cookie is ever set, so another site cannot make the browser call the API as the labeler.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'gleaner.token';
const LEASE_SECONDS = 300;
const HEARTBEAT_MS = (LEASE_SECONDS / 3) * 1000;
const EMPTY_POLL_MS = 10000;
const STEP = 0.05;
const BIG_STEP = 0.25;
const COLORS = { model: '#ff9f1c', driver: '#4cc9f0', yours: '#3ddc84', grid: '#3a434f', text: '#c9d1d9' };

const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  task: null,          // the open task's detail
  image: null,         // its decoded image, or null
  scene: null,
  steering: 0,
  acceleration: 0,
  counts: { labeled: 0, skipped: 0, flagged: 0 },
  heartbeat: null,
  emptyPoll: null,
  admin: false,        // admins see "More like this"

  busy: false,
};

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.reason) || ('HTTP ' + status));
    this.status = status;
    this.code = body && body.error;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit', cache: 'no-store',
  });
  if (response.status === 401) {
    logout('Your token was refused: ' + ((await response.json().catch(() => null)) || {}).reason);
    throw new ApiError(401, null);
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.startsWith('application/json') ? response.json() : response.blob();
}

// ---- login -----------------------------------------------------------------------------------

async function login(token) {
  state.token = token;
  try {
    const me = await api('GET', '/me');
    sessionStorage.setItem(TOKEN_KEY, token);
    $('who').textContent = me.labelerId + ' (' + me.role + ')';
    state.admin = me.role === 'admin';
    $('login-view').hidden = true;
    $('nav').hidden = false;
    $('logout').hidden = false;
    showLabeling();
  } catch (e) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (!(e instanceof ApiError && e.status === 401)) $('login-error').textContent = e.message;
  }
}

function logout(message) {
  stopTimers();
  if (state.task && message === undefined) {
    api('POST', '/tasks/' + state.task.taskId + '/release').catch(() => {});
  }
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.task = null;
  $('login-view').hidden = false;
  $('label-view').hidden = true;
  $('team-view').hidden = true;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login-error').textContent = message || '';
}

// ---- labeling ------------------------------------------------------------------------------

function showLabeling() {
  $('team-view').hidden = true;
  $('label-view').hidden = false;
  $('nav-label').classList.add('active');
  $('nav-team').classList.remove('active');
  if (!state.task) nextTask();
}

function stopTimers() {
  clearInterval(state.heartbeat);
  clearTimeout(state.emptyPoll);
  state.heartbeat = null;
  state.emptyPoll = null;
}

async function nextTask() {
  stopTimers();
  state.task = null;
  state.image = null;
  const claimed = await api('POST', '/claims', { max: 1, leaseSeconds: LEASE_SECONDS });
  refreshStats();
  if (claimed.tasks.length === 0) {
    $('task-panel').hidden = true;
    $('empty').hidden = false;
    draw();
    state.emptyPoll = setTimeout(() => nextTask().catch(report), EMPTY_POLL_MS);
    return;
  }
  const detail = await api('GET', '/tasks/' + claimed.tasks[0].taskId);
  state.image = await loadImage(detail);
  state.task = detail;
  state.scene = null;
  state.steering = detail.humanAction.steering;
  state.acceleration = detail.humanAction.acceleration;
  $('notes').value = '';
  $('empty').hidden = true;
  $('task-panel').hidden = false;
  showTask(detail);
  state.heartbeat = setInterval(heartbeat, HEARTBEAT_MS);
}

async function loadImage(detail) {
  if (!detail.image.url) return null; // stored by URI elsewhere: the detail shows where
  try {
    const blob = await api('GET', '/tasks/' + detail.taskId + '/image');
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.src = url;
    await img.decode().finally(() => setTimeout(() => URL.revokeObjectURL(url), 0));
    return img;
  } catch (e) {
    return null;
  }
}

async function heartbeat() {
  if (!state.task) return;
  try {
    const beat = await api('POST', '/tasks/' + state.task.taskId + '/heartbeat', { leaseSeconds: LEASE_SECONDS });
    $('lease').textContent = new Date(beat.leaseExpiresAt).toLocaleTimeString();
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      say('The lease on task ' + state.task.taskId + ' ended (' + e.message + '); here is the next task.');
      nextTask().catch(report);
    }
  }
}

function showTask(t) {
  $('admin-tools').hidden = !state.admin;
  $('similar-panel').hidden = true;
  $('similar').replaceChildren();
  $('task-id').textContent = t.taskId;
  $('frame-id').textContent = t.frameId;
  $('vehicle-id').textContent = t.vehicleId;
  $('model-version').textContent = t.model.version;
  $('priority').textContent = Number(t.priority).toFixed(3);
  $('lease').textContent = t.lease ? new Date(t.lease.expiresAt).toLocaleTimeString() : '-';
  const body = $('triggers').tBodies[0];
  body.replaceChildren();
  for (const trigger of t.triggers) {
    const row = body.insertRow();
    row.insertCell().textContent = trigger.name;
    row.insertCell().textContent = trigger.score.toFixed(3);
    row.insertCell().textContent = '≥ ' + trigger.threshold.toFixed(3);
  }
  const scenes = $('scenes');
  scenes.replaceChildren();
  Object.entries(t.model.sceneProbabilities).forEach(([scene, p], i) => {
    const li = document.createElement('li');
    li.dataset.scene = scene;
    li.textContent = scene + ' ';
    const prob = document.createElement('span');
    prob.className = 'probability';
    prob.textContent = 'model ' + (p * 100).toFixed(0) + '%';
    li.append(prob);
    li.title = i < 9 ? 'key ' + (i + 1) : '';
    li.addEventListener('click', () => chooseScene(scene));
    scenes.append(li);
  });
  say('');
  update();
}

function chooseScene(scene) {
  state.scene = scene;
  update();
}

function clamp(v) {
  return Math.max(-1, Math.min(1, Math.round(v * 100) / 100));
}

function update() {
  for (const li of $('scenes').children) li.classList.toggle('chosen', li.dataset.scene === state.scene);
  $('steering').textContent = state.steering.toFixed(2);
  $('acceleration').textContent = state.acceleration.toFixed(2);
  draw();
}

function actions() {
  const t = state.task;
  return [
    { name: 'model', color: COLORS.model, s: t.model.predictedAction.steering, a: t.model.predictedAction.acceleration },
    { name: 'driver', color: COLORS.driver, s: t.humanAction.steering, a: t.humanAction.acceleration },
    { name: 'your label', color: COLORS.yours, s: state.steering, a: state.acceleration },
  ];
}

function draw() {
  const canvas = $('frame');
  const g = canvas.getContext('2d');
  g.fillStyle = '#000';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const bars = $('actions').getContext('2d');
  bars.clearRect(0, 0, $('actions').width, $('actions').height);
  if (!state.task) return;
  if (state.image) {
    const scale = Math.min(canvas.width / state.image.naturalWidth, canvas.height / state.image.naturalHeight);
    const w = state.image.naturalWidth * scale;
    const h = state.image.naturalHeight * scale;
    g.imageSmoothingEnabled = scale < 2;
    g.drawImage(state.image, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
  } else {
    g.fillStyle = COLORS.text;
    g.font = '16px sans-serif';
    g.fillText(state.task.image.uri ? 'image stored at ' + state.task.image.uri : 'the image could not be decoded',
        20, 30);
  }
  // The action plane on the frame: origin low in the middle; right = steer right, up = accelerate.
  const ox = canvas.width / 2;
  const oy = canvas.height * 0.72;
  const reach = canvas.height * 0.25;
  g.strokeStyle = 'rgba(255,255,255,0.35)';
  g.lineWidth = 1;
  g.beginPath();
  g.arc(ox, oy, reach, 0, 2 * Math.PI);
  g.moveTo(ox - reach, oy); g.lineTo(ox + reach, oy);
  g.moveTo(ox, oy - reach); g.lineTo(ox, oy + reach);
  g.stroke();
  for (const act of actions()) arrow(g, ox, oy, ox + act.s * reach, oy - act.a * reach, act.color);
  drawActionBars(bars, $('actions'));
}

function arrow(g, x0, y0, x1, y1, color) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  g.strokeStyle = color;
  g.fillStyle = color;
  g.lineWidth = 4;
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
  g.beginPath();
  g.moveTo(x1, y1);
  g.lineTo(x1 - 14 * Math.cos(angle - 0.4), y1 - 14 * Math.sin(angle - 0.4));
  g.lineTo(x1 - 14 * Math.cos(angle + 0.4), y1 - 14 * Math.sin(angle + 0.4));
  g.closePath();
  g.fill();
}

function drawActionBars(g, canvas) {
  const half = (canvas.width - 160) / 2;
  const zero = 150 + half;
  const rows = [];
  for (const act of actions()) rows.push({ label: 'steer · ' + act.name, v: act.s, color: act.color });
  for (const act of actions()) rows.push({ label: 'accel · ' + act.name, v: act.a, color: act.color });
  const rowH = canvas.height / rows.length;
  g.font = '12px sans-serif';
  g.textBaseline = 'middle';
  rows.forEach((row, i) => {
    const y = i * rowH + rowH / 2;
    g.fillStyle = COLORS.text;
    g.fillText(row.label, 4, y);
    g.fillStyle = row.color;
    g.fillRect(Math.min(zero, zero + row.v * half), y - rowH * 0.3, Math.abs(row.v * half), rowH * 0.6);
    g.fillStyle = COLORS.text;
    g.fillText(row.v.toFixed(2), row.v >= 0 ? zero + row.v * half + 4 : zero + row.v * half - 34, y);
  });
  g.strokeStyle = COLORS.grid;
  g.beginPath();
  g.moveTo(zero, 0);
  g.lineTo(zero, canvas.height);
  g.stroke();
}

async function submit() {
  const t = state.task;
  if (!state.scene) {
    say('Choose a scene first (keys 1-' + Math.min(9, $('scenes').children.length) + ').');
    return;
  }
  const notes = $('notes').value.trim();
  const result = await api('POST', '/tasks/' + t.taskId + '/labels', {
    scene: state.scene, steering: state.steering, acceleration: state.acceleration,
    notes: notes === '' ? null : notes,
  });
  state.counts.labeled++;
  showCounts();
  say('Task ' + t.taskId + ': label ' + result.labelId + ' stored, task ' + result.taskState + '.');
  await nextTask();
}

async function skip() {
  const t = state.task;
  await api('POST', '/tasks/' + t.taskId + '/skip', { reason: $('reason').value, note: noteOrNull() });
  state.counts.skipped++;
  showCounts();
  say('Task ' + t.taskId + ' skipped (' + $('reason').value + ').');
  await nextTask();
}

async function flag() {
  const t = state.task;
  await api('POST', '/tasks/' + t.taskId + '/flags', { reason: $('reason').value, note: noteOrNull() });
  state.counts.flagged++;
  showCounts();
  say('Task ' + t.taskId + ' flagged (' + $('reason').value + '); it is still yours to label.');
}

function noteOrNull() {
  const note = $('notes').value.trim();
  return note === '' ? null : note;
}

function showCounts() {
  $('count-labeled').textContent = state.counts.labeled;
  $('count-skipped').textContent = state.counts.skipped;
  $('count-flagged').textContent = state.counts.flagged;
}

async function refreshStats() {
  try {
    const stats = await api('GET', '/stats');
    $('queue-pending').textContent = stats.pending;
    $('queue-labeled').textContent = stats.labeled;
  } catch (e) {
    report(e);
  }
}

function say(text) {
  $('status').textContent = text;
}

function report(e) {
  if (e instanceof ApiError && e.status === 401) return;
  say(e.message);
}

/** Runs one action at a time, so a held-down key cannot submit the same task twice. */
async function once(action) {
  if (state.busy || !state.task) return;
  state.busy = true;
  try {
    await action();
  } catch (e) {
    report(e);
  } finally {
    state.busy = false;
  }
}

function onKey(event) {
  if ($('label-view').hidden || !state.task) return;
  const target = event.target;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement) {
    if (event.key === 'Escape') target.blur();
    return;
  }
  const step = event.shiftKey ? BIG_STEP : STEP;
  const key = event.key;
  let handled = true;
  if (/^[1-9]$/.test(key)) {
    const li = $('scenes').children[Number(key) - 1];
    if (li) chooseScene(li.dataset.scene);
  } else if (key === 'ArrowLeft') {
    state.steering = clamp(state.steering - step); update();
  } else if (key === 'ArrowRight') {
    state.steering = clamp(state.steering + step); update();
  } else if (key === 'ArrowUp') {
    state.acceleration = clamp(state.acceleration + step); update();
  } else if (key === 'ArrowDown') {
    state.acceleration = clamp(state.acceleration - step); update();
  } else if (key === 'd' || key === 'D') {
    state.steering = state.task.humanAction.steering; state.acceleration = state.task.humanAction.acceleration; update();
  } else if (key === 'm' || key === 'M') {
    state.steering = clamp(state.task.model.predictedAction.steering);
    state.acceleration = clamp(state.task.model.predictedAction.acceleration);
    update();
  } else if (key === 'Enter') {
    once(submit);
  } else if (key === 's' || key === 'S') {
    once(skip);
  } else if (key === 'f' || key === 'F') {
    once(flag);
  } else if (key === 'n' || key === 'N') {
    $('notes').focus();
  } else {
    handled = false;
  }
  if (handled) event.preventDefault();
}

// ---- team view -------------------------------------------------------------------------------

async function showTeam() {
  $('label-view').hidden = true;
  $('team-view').hidden = false;
  $('nav-team').classList.add('active');
  $('nav-label').classList.remove('active');
  try {
    const [team, models] = await Promise.all([api('GET', '/team?hours=24'), api('GET', '/models')]);
    barChart($('chart-depth'), team.depthByTrigger.map((d) => ({ label: d.trigger, value: d.pending, text: String(d.pending) })));
    hourChart($('chart-hours'), team.labelsPerHour);
    barChart($('chart-precision'), team.precisionByTrigger.map((p) => ({
      label: p.trigger, value: p.precision, max: 1,
      text: (p.precision * 100).toFixed(0) + '% (' + p.modelWrong + '/' + p.labeled + ')' })));
    barChart($('chart-agreement'), team.agreement.map((a) => ({
      label: a.labelerId, value: a.compared === 0 ? 0 : a.agreed / a.compared, max: 1,
      text: a.compared === 0 ? '-' : ((a.agreed / a.compared) * 100).toFixed(0) + '% (' + a.agreed + '/' + a.compared + ')' })));
    modelChart($('chart-models'), models.versions);
    $('team-status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    $('team-status').textContent = e.message;
  }
}

function blank(canvas, emptyText, rows) {
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '12px sans-serif';
  g.textBaseline = 'middle';
  if (rows === 0) {
    g.fillStyle = COLORS.text;
    g.fillText(emptyText, 10, canvas.height / 2);
  }
  return g;
}

/** Horizontal bars, one per row: label, bar, value text. */
function barChart(canvas, rows) {
  const g = blank(canvas, 'no data yet', rows.length);
  if (rows.length === 0) return;
  const labelW = 150;
  const width = canvas.width - labelW - 110;
  const max = Math.max(...rows.map((r) => r.max || 0), ...rows.map((r) => r.value), 1e-9);
  const rowH = Math.min(28, canvas.height / rows.length);
  rows.forEach((r, i) => {
    const y = i * rowH + rowH / 2;
    g.fillStyle = COLORS.text;
    g.fillText(r.label.length > 22 ? r.label.slice(0, 21) + '…' : r.label, 6, y);
    g.fillStyle = COLORS.yours;
    g.fillRect(labelW, y - rowH * 0.35, (r.value / max) * width, rowH * 0.7);
    g.fillStyle = COLORS.text;
    g.fillText(r.text, labelW + (r.value / max) * width + 6, y);
  });
}

/** Columns for the last 24 hours, hours without labels at zero. */
function hourChart(canvas, perHour) {
  const byHour = new Map(perHour.map((h) => [new Date(h.hour).getTime(), h.labels]));
  const now = new Date();
  now.setMinutes(0, 0, 0);
  const hours = [];
  for (let i = 23; i >= 0; i--) {
    const t = now.getTime() - i * 3600000;
    hours.push({ t, labels: byHour.get(t) || 0 });
  }
  const g = blank(canvas, 'no labels in the last 24 hours', perHour.length);
  if (perHour.length === 0) return;
  const max = Math.max(...hours.map((h) => h.labels), 1);
  const bottom = canvas.height - 20;
  const colW = (canvas.width - 40) / hours.length;
  g.fillStyle = COLORS.text;
  g.fillText(String(max), 2, 10);
  hours.forEach((h, i) => {
    const barH = (h.labels / max) * (bottom - 20);
    g.fillStyle = COLORS.yours;
    g.fillRect(36 + i * colW, bottom - barH, colW * 0.8, barH);
    if (i % 4 === 3) {
      g.fillStyle = COLORS.text;
      g.fillText(new Date(h.t).getHours() + 'h', 36 + i * colW, bottom + 10);
    }
  });
}

/** Each model version at its creation time; live ones filled, rejected ones as rings. */
function modelChart(canvas, versions) {
  const g = blank(canvas, 'no model versions registered', versions.length);
  if (versions.length === 0) return;
  const times = versions.map((v) => new Date(v.createdAt).getTime());
  const t0 = Math.min(...times);
  const span = Math.max(Math.max(...times) - t0, 1);
  const maxV = Math.max(...versions.map((v) => v.version));
  const left = 40;
  const width = canvas.width - left - 30;
  const bottom = canvas.height - 24;
  const x = (t) => left + ((t - t0) / span) * width;
  const y = (v) => bottom - (v / maxV) * (bottom - 16);
  g.strokeStyle = COLORS.grid;
  g.beginPath();
  g.moveTo(left, bottom); g.lineTo(left + width, bottom);
  g.stroke();
  versions.forEach((v, i) => {
    const px = x(times[i]);
    const py = y(v.version);
    g.strokeStyle = g.fillStyle = v.state === 'rejected' ? '#ff7b72' : v.state === 'live' ? COLORS.yours : COLORS.model;
    g.beginPath();
    g.arc(px, py, 5, 0, 2 * Math.PI);
    if (v.state === 'rejected') g.stroke(); else g.fill();
    g.fillStyle = COLORS.text;
    g.fillText('v' + v.version, px + 7, py);
  });
  g.fillStyle = COLORS.text;
  g.fillText(new Date(t0).toLocaleString(), left, bottom + 14);
  g.fillText('filled green: live · filled orange: candidate or retired · red ring: rejected', left + 220, bottom + 14);
}

// ---- more like this (admins) ---------------------------------------------------------------------

async function moreLikeThis() {
  const taskId = state.task.taskId;
  const found = await api('GET', '/tasks/' + taskId + '/similar?k=8');
  const list = $('similar');
  list.replaceChildren();
  for (const s of found.similar) {
    const li = document.createElement('li');
    li.dataset.taskId = s.taskId;
    const img = document.createElement('img');
    img.alt = 'frame ' + s.frameId;
    api('GET', '/tasks/' + s.taskId + '/image').then((blob) => {
      const url = URL.createObjectURL(blob);
      img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      img.src = url;
    }).catch(() => { img.alt = 'no image for ' + s.frameId; });
    const caption = document.createElement('span');
    caption.textContent = s.frameId + ' · ' + s.similarity.toFixed(3) + ' · ' + s.state;
    li.append(img, caption);
    list.append(li);
  }
  if (found.similar.length === 0) list.textContent = 'No other task with an embedding of this size yet.';
  $('campaign-name').value = 'more like ' + state.task.frameId;
  $('similar-panel').hidden = false;
}

async function startCampaign() {
  const campaign = await api('POST', '/campaigns', {
    name: $('campaign-name').value.trim(),
    exemplarTaskIds: [state.task.taskId],
    threshold: Number($('campaign-threshold').value),
  });
  say('Campaign ' + campaign.id + ' started: threshold ' + campaign.threshold + ', budget ' + campaign.budget
      + ', until ' + new Date(campaign.until).toLocaleString() + '.');
}

// ---- start -------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('login-error').textContent = '';
    login($('token').value.trim());
    $('token').value = '';
  });
  $('logout').addEventListener('click', () => logout());
  $('nav-label').addEventListener('click', showLabeling);
  $('nav-team').addEventListener('click', showTeam);
  $('submit').addEventListener('click', () => once(submit));
  $('skip').addEventListener('click', () => once(skip));
  $('flag').addEventListener('click', () => once(flag));
  $('more-like-this').addEventListener('click', () => once(moreLikeThis));
  $('campaign-form').addEventListener('submit', (event) => {
    event.preventDefault();
    once(startCampaign);
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('pagehide', () => {
    // Give the lease back when the tab closes, so the task does not wait for the lease to lapse.
    if (state.task && state.token) {
      fetch(API + '/tasks/' + state.task.taskId + '/release', {
        method: 'POST', keepalive: true, credentials: 'omit', headers: { Authorization: 'Bearer ' + state.token },
      }).catch(() => {});
    }
  });
  if (state.token) login(state.token);
});
