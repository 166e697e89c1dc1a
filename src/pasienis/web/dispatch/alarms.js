// The SOS alarm of the dispatcher console: a flashing badge and a tone every second per unit,
// until a dispatcher acknowledges it (audited by the server, and ended on every console).
import { api } from "/web/common/api.js";
import { $ } from "/web/common/html.js";
import { formatTime, t } from "/web/common/i18n.js";

const alarms = { active: new Map(), audio: null, timer: 0 };

export function showAlarm(message, { locate }) {
  const key = message.unit_id;
  if (alarms.active.has(key)) return;
  const badge = document.createElement("span");
  badge.className = "badge sos alarming";
  badge.dataset.unit = key;
  const text = document.createElement("button");
  text.type = "button";
  text.className = "link";
  text.textContent = `${message.alarm.toUpperCase()} ${message.call_sign}`;
  text.title = formatTime(message.at);
  text.addEventListener("click", () => locate(message.lat, message.lon));
  const ack = document.createElement("button");
  ack.type = "button";
  ack.textContent = t("alarm.acknowledge");
  ack.addEventListener("click", async () => {
    ack.disabled = true;
    try {
      await api("/api/ops/alarms/ack", { method: "POST",
        body: { unit_id: key, alarm: message.alarm, at: message.at } });
      endAlarm(key);
    } catch (error) {
      ack.disabled = false;
      ack.focus();
    }
  });
  badge.append(text, " ", ack);
  alarms.active.set(key, badge);
  $("#alarms").append(badge);
  if (!alarms.timer) alarms.timer = setInterval(beep, 1000);
  beep();
}

export function endAlarm(unitId) {
  const badge = alarms.active.get(unitId);
  if (badge) badge.remove();
  alarms.active.delete(unitId);
  if (!alarms.active.size && alarms.timer) { clearInterval(alarms.timer); alarms.timer = 0; }
}

// A browser lets a page make sound only after the user interacted with it: the first click or
// key press in the console unlocks the alarm's audio (signing in is one).
function unlockAudio() {
  try {
    alarms.audio = alarms.audio || new AudioContext();
    if (alarms.audio.state === "suspended") alarms.audio.resume();
  } catch (error) { /* no audio device */ }
}
for (const type of ["pointerdown", "keydown"]) addEventListener(type, unlockAudio, { capture: true });

function beep() {
  try {
    alarms.audio = alarms.audio || new AudioContext();
    if (alarms.audio.state === "suspended") alarms.audio.resume();
    const tone = alarms.audio.createOscillator();
    const gain = alarms.audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(alarms.audio.destination);
    tone.start();
    tone.stop(alarms.audio.currentTime + 0.3);
  } catch (error) { /* no audio device: the flashing badge still alarms */ }
}
