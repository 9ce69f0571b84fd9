// SplitSoC Studio: draws the state streamed by /events and sends the buttons to /api/ACTION.
// No framework and no network access beyond this server: the page works offline.
"use strict";
const $ = (id) => document.getElementById(id);
const history = [];          // [t, value, setpoint, duty] over the last 60 s
let last = null;

function text(id, value) { const e = $(id); if (e.textContent !== String(value)) e.textContent = value; }
function mark(id, word) { const e = $(id); text(id, word); e.className = word.toLowerCase().replace(/[^a-z]/g, ""); }

function draw(s) {
  last = s;
  text("board", "board " + s.board);
  text("clock", s.clock + " clock" + (s.paused ? " (paused)" : ""));
  const rt = s.rt || {};
  const rtState = !s.rt_alive ? "silent" : rt.state === "failsafe" ? "FAIL-SAFE" : rt.state;
  mark("rt-state", rtState);
  $("rt-box").className = "core " + (!s.rt_alive ? "state-down" : rt.state === "failsafe" ? "state-failsafe" : "state-normal");
  text("rt-tick", rt.tick || 0); text("rt-misses", rt.deadline_misses || 0);
  text("rt-failsafes", rt.failsafe_entries || 0); text("rt-resyncs", rt.resyncs || 0);
  mark("link-state", rt.link || "down"); text("session", rt.session || 0);
  $("bridge-box").className = "bridge " + (rt.link === "up" ? "state-normal" : "state-down");
  // A round trip needs a session: with the link down the window is empty, not zero.
  const rtt = rt.link === "up" && rt.rtt_us && rt.rtt_us.max > 0 ? rt.rtt_us : null;
  text("rtt-p50", rtt ? rtt.p50 : "–"); text("rtt-p99", rtt ? rtt.p99 : "–");
  text("frames-lost", rt.frames_lost || 0); text("tx-dropped", rt.tx_dropped || 0);
  const app = s.app || {};
  const appState = s.app_alive ? "running" : "down";
  mark("app-state", appState);
  text("app-pid", s.app_pid ? "pid " + s.app_pid : "");
  $("app-box").className = "core " + (s.app_alive ? "state-normal" : "state-down");
  text("app-batches", app.batches || 0);
  drawPlant(s, rt);
  drawModules(s.app_alive ? app.modules || [] : []);
  drawTimeline(s.events || []);
  drawTour(s.tour);
  const select = $("swap-module");
  if (select.options.length !== s.modules.length) {
    select.innerHTML = s.modules.map((m) => `<option>${m}</option>`).join("");
  }
}

function drawPlant(s, rt) {
  const motor = s.plant === "motor";
  const value = motor ? rt.motor_mrad_s : rt.temp_mC, setpoint = motor ? rt.motor_setpoint_mrad_s : rt.setpoint_mC;
  const unit = motor ? "rad/s" : "°C";
  const fmt = (v) => v == null ? "–" : (v / 1000).toFixed(2);
  $("plant-values").innerHTML = motor
    ? `speed <b id="plant-value">${fmt(value)}</b> ${unit} · setpoint <b>${fmt(setpoint)}</b> ${unit} · motor duty <b>${rt.duty_permille || 0}</b> ‰`
    : `temperature <b id="plant-value">${fmt(value)}</b> ${unit} · setpoint <b>${fmt(setpoint)}</b> ${unit} · heater duty <b>${rt.duty_permille || 0}</b> ‰`;
  if (!$("setpoint").value && setpoint) $("setpoint").value = setpoint;
  if (s.rt_alive) history.push([s.t, value || 0, setpoint, rt.duty_permille || 0]);
  while (history.length && history[0][0] < s.t - 60) history.shift();
  const values = history.flatMap((h) => h[2] == null ? [h[1]] : [h[1], h[2]]);
  const lo = Math.min(...values, 0), hi = Math.max(...values, 1);
  // The window grows with the run up to 60 s, so a fresh studio does not squeeze its first
  // seconds into the right edge.
  const span = Math.max(10, Math.min(60, s.t - (history.length ? history[0][0] : s.t)));
  const x = (t) => ((t - (s.t - span)) / span * 600).toFixed(1);
  const y = (v) => (155 - (v - lo) / (hi - lo || 1) * 150).toFixed(1);
  $("line-value").setAttribute("points", history.map((h) => `${x(h[0])},${y(h[1])}`).join(" "));
  $("line-setpoint").setAttribute("points", history.filter((h) => h[2] != null).map((h) => `${x(h[0])},${y(h[2])}`).join(" "));
  // Duty: 0…1000 ‰ on the heater, -1000…1000 ‰ on the motor, scaled to the chart's height.
  const dutyY = (d) => (motor ? 80 - d / 1000 * 75 : 155 - d / 1000 * 150).toFixed(1);
  $("line-duty").setAttribute("points", history.map((h) => `${x(h[0])},${dutyY(h[3])}`).join(" "));
}

function drawModules(modules) {
  const rows = modules.map((m) => `<tr><td>${m.slot}</td><td>${m.name}</td><td>${m.version}</td><td>${m.state}</td>`
    + `<td>${m.fuel_last}</td><td>${m.traps}</td></tr>`).join("");
  const body = $("module-rows");
  const html = rows || `<tr><td colspan="6">no application core running</td></tr>`;
  if (body.innerHTML !== html) body.innerHTML = html;
}

function drawTimeline(events) {
  const html = events.map((e) => `<li><span class="src">${e.at.toFixed(1)} s ${e.source}</span> ${escapeHTML(e.text)}</li>`).join("");
  if ($("timeline").innerHTML !== html) $("timeline").innerHTML = html;
}

function drawTour(tour) {
  $("tour-box").hidden = !tour;
  if (!tour) return;
  text("tour-title", `Guided tour ${tour.index}/${tour.count}: ${tour.title}` + (tour.finished ? " (finished)" : ""));
  text("tour-story", tour.story); text("tour-watch", tour.watch);
}

function escapeHTML(s) { return s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" }[c])); }

async function act(action, parameters = {}) {
  text("reply", action + "…");
  try {
    const response = await fetch("/api/" + action, { method: "POST", body: JSON.stringify(parameters) });
    const reply = await response.json();
    text("reply", action + ": " + (reply.ok ? "ok" : "refused: " + reply.error));
  } catch (error) {
    text("reply", action + " failed: " + error);
  }
}

function bridgeSpec(clear) {
  if (clear) return { app_to_rt: "", rt_to_app: "" };
  const spec = `drop=${$("drop").value || 0},delay=${$("delay").value || 0},delay-ms=${$("delay-ms").value || 0}`;
  const direction = $("fault-direction").value;
  return { app_to_rt: direction === "rt_to_app" ? "" : spec, rt_to_app: direction === "app_to_rt" ? "" : spec };
}

$("kill-app").onclick = () => act("kill-app");
$("restart-app").onclick = () => act("restart-app");
$("swap").onclick = () => act("swap", { module: $("swap-module").value });
$("set-setpoint").onclick = () => act("setpoint", { value: $("setpoint").value });
$("set-ambient").onclick = () => act("ambient", { value: $("ambient").value });
$("set-sensor").onclick = () => act("sensor", { mode: $("sensor").value });
$("set-i2c-nack").onclick = () => act("i2c-nack", { value: $("i2c-nack").value });
$("set-bridge").onclick = () => act("bridge", bridgeSpec(false));
$("clear-bridge").onclick = () => act("bridge", bridgeSpec(true));
$("pause").onclick = () => act("pause");
$("resume").onclick = () => act("resume");
$("step").onclick = () => act("step");
$("tour").onclick = () => act("tour");

const events = new EventSource("/events");
events.onopen = () => text("connection", "live");
events.onerror = () => text("connection", "reconnecting…");
events.onmessage = (message) => draw(JSON.parse(message.data));
