// Outbox: every change the crew makes (status, note, photo) is written to IndexedDB first and
// sent in order when the network allows. A change the server refuses for good (4xx) is dropped
// and reported; a network failure leaves it queued for the next try.
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

export function enqueue(entry) {
  return tx("readwrite", (store) => store.add({ ...entry, queuedAt: new Date().toISOString() }));
}

export function entries() {
  return tx("readonly", (store) => store.getAll());
}

function remove(id) {
  return tx("readwrite", (store) => store.delete(id));
}

async function send(entry) {
  if (entry.kind === "status") {
    return api(`/api/tasks/${entry.taskId}/status`, { method: "POST", body: entry.body });
  }
  if (entry.kind === "note") {
    return api(`/api/tasks/${entry.taskId}/notes`, { method: "POST", body: { text: entry.text } });
  }
  if (entry.kind === "photo") {
    const form = new FormData();
    form.append("file", entry.blob, entry.name || "photo.jpg");
    return api(`/api/tasks/${entry.taskId}/attachments`, { method: "POST", body: form });
  }
  throw new Error(`unknown outbox entry ${entry.kind}`);
}

let flushing = null;

export function flush(onRefused) {
  // One flush at a time keeps the server's view in the order the crew acted.
  flushing = flushing || (async () => {
    try {
      for (const entry of await entries()) {
        try {
          await send(entry);
        } catch (error) {
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
