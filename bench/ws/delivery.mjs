// Delivery load generator: N devices on WebSockets, tasks created over HTTP, receipt latency.
//
// One Node.js process (no dependencies: a minimal RFC 6455 client on `net`, text frames only,
// no extensions) so the load generator is not the limit: it reports its own CPU time.
//
// Each device i connects to /api/ops/ws/unit, says hello with device id d<i> and the bench
// secret, and acknowledges every message. Once all are connected, tasks are POSTed to
// /api/tasks (one per unit, at --rate per second, over a few keep-alive connections); for
// each task we record when its POST was sent, when its answer came back (the task is
// committed by then) and when the device received it. Prints `CONNECTED` once all devices are
// welcomed, and at the end one line `DELIVERY_JSON {...}`. --tasks N spreads N tasks over the
// units (default: one per unit).
//
// node bench/ws/delivery.mjs --url http://127.0.0.1:8000 --token T --devices 1000 --rate 100
import crypto from "node:crypto";
import http from "node:http";
import net from "node:net";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const base = new URL(args.url);
const token = args.token;
const nDevices = Number(args.devices ?? 1000);
const rate = Number(args.rate ?? 100);
const nTasks = Math.min(nDevices, Number(args.tasks ?? nDevices)); // at most one per unit
const secret = args.secret ?? "bench-secret";
const postConnections = Number(args.connections ?? 8);
const timeoutMs = Number(args.timeout ?? 120000);

const now = () => performance.now();
const sentAt = new Map(); // task id -> POST sent (ms)
const answeredAt = new Map(); // task id -> POST answered (ms)
const gotAt = new Map(); // task id -> received by the device (ms)
const early = new Map(); // received before its POST answer named the id
let connected = 0;
let messages = 0;
let errors = 0;

function frame(text) {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4 + len);
  out[0] = 0x81; // FIN + text
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = crypto.randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

function control(opcode, payload = Buffer.alloc(0)) {
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | payload.length;
  const mask = crypto.randomBytes(4);
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i & 3];
  return out;
}

function device(i) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(base.port), base.hostname);
    sock.setNoDelay(true);
    const key = crypto.randomBytes(16).toString("base64");
    let buf = Buffer.alloc(0);
    let open = false;
    let welcomed = false;
    sock.on("connect", () => {
      sock.write(
        `GET /api/ops/ws/unit HTTP/1.1\r\nHost: ${base.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.on("error", (err) => {
      errors++;
      if (!welcomed) reject(err);
    });
    const onText = (text) => {
      const msg = JSON.parse(text);
      if (msg.type === "welcome") {
        welcomed = true;
        connected++;
        resolve(sock);
      } else if (msg.type === "message") {
        messages++;
        const t = now();
        if (msg.task_id && !gotAt.has(msg.task_id)) gotAt.set(msg.task_id, t);
        sock.write(frame(JSON.stringify({ type: "ack", seq: msg.seq })));
      }
    };
    sock.on("data", (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!open) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!head.startsWith("HTTP/1.1 101")) {
          reject(new Error(`device ${i}: ${head.split("\r\n")[0]}`));
          sock.destroy();
          return;
        }
        open = true;
        buf = buf.subarray(end + 4);
        sock.write(frame(JSON.stringify({ type: "hello", device_id: `d${i}`, secret, last_seq: 0 })));
      }
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 1) onText(payload.toString());
        else if (opcode === 9) sock.write(control(10, payload)); // ping -> pong
        else if (opcode === 8) sock.end();
      }
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: postConnections });

function createTask(i) {
  return new Promise((resolve) => {
    const body = JSON.stringify({
      lat: 54.7, lon: 25.3, category: "bench", description: `t${i}`, unit: `B${i}`,
    });
    const began = now();
    const req = http.request(
      {
        agent, host: base.hostname, port: base.port, path: "/api/tasks", method: "POST",
        headers: {
          Authorization: `Bearer ${token}`, "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const parts = [];
        res.on("data", (c) => parts.push(c));
        res.on("end", () => {
          const t = now();
          if (res.statusCode !== 201) {
            errors++;
            resolve();
            return;
          }
          const id = JSON.parse(Buffer.concat(parts).toString()).id;
          sentAt.set(id, began);
          answeredAt.set(id, t);
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * (sorted.length - 1)))];
}

async function main() {
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const sockets = [];
  for (let start = 0; start < nDevices; start += 100) { // connect in waves of 100
    const wave = [];
    for (let i = start; i < Math.min(nDevices, start + 100); i++) wave.push(device(i));
    sockets.push(...(await Promise.all(wave)));
  }
  const connectMs = now() - t0;
  console.log("CONNECTED"); // the benchmark samples the server's CPU here
  const cpu1 = process.cpuUsage();
  const w0 = now();
  const posts = [];
  const interval = 1000 / rate;
  for (let k = 0; k < nTasks; k++) {
    const due = w0 + k * interval;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    posts.push(createTask(Math.floor((k * nDevices) / nTasks)));
  }
  await Promise.all(posts);
  const deadline = now() + timeoutMs;
  while (now() < deadline && [...sentAt.keys()].some((id) => !gotAt.has(id))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const wall = (now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu1);
  const fromPost = [];
  const fromCommit = [];
  for (const [id, began] of sentAt) {
    if (!gotAt.has(id)) continue;
    fromPost.push(gotAt.get(id) - began);
    // Received before the POST's answer: the push beat the HTTP answer (0 after commit).
    fromCommit.push(Math.max(0, gotAt.get(id) - answeredAt.get(id)));
  }
  fromPost.sort((a, b) => a - b);
  fromCommit.sort((a, b) => a - b);
  const answer = [...sentAt].map(([id, b]) => answeredAt.get(id) - b).sort((a, b) => a - b);
  for (const s of sockets) s.destroy();
  agent.destroy();
  const out = {
    devices: nDevices, connected, tasks: sentAt.size, delivered: fromPost.length,
    messages, errors, rate, connect_s: connectMs / 1000, phase_s: wall,
    post_to_receipt_p50_ms: pct(fromPost, 50), post_to_receipt_p99_ms: pct(fromPost, 99),
    post_to_receipt_max_ms: fromPost.at(-1) ?? null,
    answer_p50_ms: pct(answer, 50), answer_p99_ms: pct(answer, 99),
    answer_to_receipt_p99_ms: pct(fromCommit, 99),
    client_cpu_s: (cpu.user + cpu.system) / 1e6,
    client_cpu_share: (cpu.user + cpu.system) / 1e6 / wall,
    connect_cpu_s: ((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)) / 1e6,
  };
  console.log(`DELIVERY_JSON ${JSON.stringify(out)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
