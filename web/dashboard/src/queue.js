// The offline report queue, shared by the page and the service worker.
//
// A report saved in the form goes into IndexedDB first, with its evidence photos (as Blobs,
// each with the SHA-256 computed at capture). Sending happens later, from the page (when the
// browser comes back online, on load, every 30 s, or on "Send now") or from the service
// worker (Background Sync), one sender at a time (a Web Lock). A report leaves the queue only
// after the server has answered 2xx for it and for each of its photos:
//
// * none lost: nothing is deleted before the server has it; a network failure leaves the
//   item queued; a report the server rejects (422) stays in the queue, marked, with the
//   server's message, until the user deletes it;
// * none duplicated: each report carries an Idempotency-Key fixed when it was saved, so a
//   retry after a lost response is answered from the server's record (Idempotent-Replayed)
//   and not written twice; evidence is stored once per (report, SHA-256) by the server.

const DB = "ceasefire-dashboard";
const VERSION = 1;
const LOCK = "ceasefire-report-sync";
const CHANNEL = "ceasefire-queue";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "key" });
      if (!db.objectStoreNames.contains("sent")) db.createObjectStore("sent", { keyPath: "key" });
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv", { keyPath: "k" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(stores, mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(stores, mode);
      let result;
      Promise.resolve(fn(tx)).then((r) => { result = r; }, reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
    });
  } finally {
    db.close();
  }
}

function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function setToken(token) {
  await run(["kv"], "readwrite", (tx) => (token ? tx.objectStore("kv").put({ k: "token", v: token }) : tx.objectStore("kv").delete("token")));
}

export async function getToken() {
  const row = await run(["kv"], "readonly", (tx) => req(tx.objectStore("kv").get("token")));
  return row ? row.v : "";
}

export async function list(store = "queue") {
  const rows = await run([store], "readonly", (tx) => req(tx.objectStore(store).getAll()));
  return rows.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
}

export async function remove(key) {
  await run(["queue"], "readwrite", (tx) => tx.objectStore("queue").delete(key));
  announce();
}

/** The hex SHA-256 of a Blob (WebCrypto), computed when the photo is taken. */
export async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function uuid() {
  return crypto.randomUUID ? crypto.randomUUID()
    : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Save a report (and its hashed photos) on this device; returns the queued item. */
export async function enqueue(report, photos) {
  const item = {
    key: `dash-${uuid()}`,
    createdAt: new Date().toISOString(),
    report,
    photos: photos.map((p) => ({ name: p.name, type: p.type, size: p.size, sha256: p.sha256, blob: p.blob, uploaded: false })),
    state: "queued",
    attempts: 0,
    error: null,
  };
  await run(["queue"], "readwrite", (tx) => tx.objectStore("queue").put(item));
  announce();
  return item;
}

function announce() {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage("changed");
    channel.close();
  } catch {
    // no BroadcastChannel: the page refreshes its list itself
  }
}

export function onChange(fn) {
  try {
    new BroadcastChannel(CHANNEL).onmessage = () => fn();
  } catch {
    // ignore
  }
}

class Offline extends Error {}

async function send(item, token) {
  const headers = { "Content-Type": "application/json", "Idempotency-Key": item.key };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/api/v1/reports", { method: "POST", headers, body: JSON.stringify(item.report) });
  } catch (err) {
    throw new Offline(err.message);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) return { ok: false, status: response.status, message: body?.error?.message || `HTTP ${response.status}` };
  const gid = `${item.report.source_id}:${item.report.report_id}`;
  for (const photo of item.photos) {
    if (photo.uploaded) continue;
    const form = new FormData();
    form.append("file", photo.blob, photo.name || "photo");
    let upload;
    try {
      upload = await fetch(`/api/v1/reports/${encodeURIComponent(gid)}/evidence`, { method: "POST", headers: token ? { Authorization: `Bearer ${token}` } : {}, body: form });
    } catch (err) {
      throw new Offline(err.message);
    }
    const stored = await upload.json().catch(() => null);
    if (!upload.ok) return { ok: false, status: upload.status, message: stored?.error?.message || `HTTP ${upload.status}` };
    if (stored.sha256 !== photo.sha256) {
      return { ok: false, status: 0, message: `photo ${photo.name}: the server stored SHA-256 ${stored.sha256}, the device hashed ${photo.sha256}` };
    }
    photo.uploaded = true;
    await run(["queue"], "readwrite", (tx) => tx.objectStore("queue").put(item));
  }
  return { ok: true, gid, result: body, replayed: response.headers.get("Idempotent-Replayed") === "true" };
}

async function drain(token) {
  const summary = { sent: 0, failed: 0, offline: false };
  for (const item of await list()) {
    if (item.state === "rejected") continue;
    let outcome;
    try {
      outcome = await send(item, token);
    } catch (err) {
      if (!(err instanceof Offline)) throw err;
      summary.offline = true;
      break;  // no connection: try again later, in order
    }
    item.attempts += 1;
    if (outcome.ok) {
      const status = outcome.result?.reports?.[0]?.status || "added";
      await run(["queue", "sent"], "readwrite", (tx) => {
        tx.objectStore("queue").delete(item.key);
        tx.objectStore("sent").put({ key: item.key, id: outcome.gid, status, replayed: outcome.replayed, ledgerSeq: outcome.result?.ledger_seq ?? null,
                                     sentAt: new Date().toISOString(), createdAt: item.createdAt,
                                     photos: item.photos.map((p) => ({ name: p.name, sha256: p.sha256 })) });
      });
      summary.sent += 1;
    } else {
      // 401: log in again, keep it queued; other 4xx: the server will never take it as is
      item.state = outcome.status >= 400 && outcome.status < 500 && ![401, 408, 429].includes(outcome.status) ? "rejected" : "queued";
      item.error = outcome.message;
      await run(["queue"], "readwrite", (tx) => tx.objectStore("queue").put(item));
      summary.failed += 1;
      if (outcome.status === 401) break;
    }
  }
  announce();
  return summary;
}

/** Send what is queued, one sender at a time across the page and the service worker. */
export async function sync(token) {
  const tok = token ?? (await getToken());
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request(LOCK, () => drain(tok));
  }
  return drain(tok);
}
