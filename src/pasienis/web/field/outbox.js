// Outbox: every change the crew makes (status, note, photo) is written to IndexedDB first and
// sent in order when the network allows. A change the server refuses for good (4xx) is dropped
// and reported; a network failure leaves it queued for the next try. Each change carries an
// Idempotency-Key made when it was queued: when an answer is lost and the change is sent again,
// the server answers with the first result instead of recording it twice.
import { ApiError, api } from "/web/common/api.js";

const DB = "pasienis-field";
const STORE = "outbox";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function tx(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const result = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(result.result ?? result);
    transaction.onerror = () => reject(transaction.error);
  });
}

// A random version-4 UUID; crypto.randomUUID exists only in secure contexts.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function enqueue(entry) {
  return tx("readwrite", (store) => store.add({ ...entry, key: newKey(),
    queuedAt: new Date().toISOString() }));
}

// Entries queued before keys existed get one, stored before the first send.
async function keyed(entry) {
  if (entry.key) return entry;
  const withKey = { ...entry, key: newKey() };
  await tx("readwrite", (store) => store.put(withKey));
  return withKey;
}

export function entries() {
  return tx("readonly", (store) => store.getAll());
}

function remove(id) {
  return tx("readwrite", (store) => store.delete(id));
}

async function send(entry) {
  const headers = { "Idempotency-Key": entry.key };
  if (entry.kind === "status") {
    return api(`/api/tasks/${entry.taskId}/status`, { method: "POST", body: entry.body, headers });
  }
  if (entry.kind === "note") {
    return api(`/api/tasks/${entry.taskId}/notes`, { method: "POST", body: { text: entry.text },
      headers });
  }
  if (entry.kind === "photo") {
    const form = new FormData();
    form.append("file", entry.blob, entry.name || "photo.jpg");
    return api(`/api/tasks/${entry.taskId}/attachments`, { method: "POST", body: form, headers });
  }
  throw new Error(`unknown outbox entry ${entry.kind}`);
}

function inProgress(error) {
  return error instanceof ApiError && error.status === 409
    && String(error.problem?.type || "").endsWith("idempotency-in-progress");
}

let flushing = null;

export function flush(onRefused) {
  // One flush at a time keeps the server's view in the order the crew acted.
  flushing = flushing || (async () => {
    try {
      for (const queued of await entries()) {
        const entry = await keyed(queued);
        try {
          await send(entry);
        } catch (error) {
          if (inProgress(error)) return false; // the first send is still running: try later
          if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 401) {
            onRefused?.(entry, error);
          } else {
            return false; // offline or server down: keep it and the rest, in order
          }
        }
        await remove(entry.id);
      }
      return true;
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}
