// IndexedDB: the device key and the queue of signed txs survive the page
// being closed.
const NAME = "coldtrace-station";
let dbp;

export function db() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, 1);
      req.onupgradeneeded = () => {
        const d = req.result;
        d.createObjectStore("keys");
        d.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbp;
}

function done(tx, req) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function get(store, key) {
  const t = (await db()).transaction(store, "readonly");
  return done(t, t.objectStore(store).get(key));
}

export async function put(store, value, key) {
  const t = (await db()).transaction(store, "readwrite");
  return done(t, t.objectStore(store).put(value, key));
}

export async function all(store) {
  const t = (await db()).transaction(store, "readonly");
  return done(t, t.objectStore(store).getAll());
}

export async function del(store, key) {
  const t = (await db()).transaction(store, "readwrite");
  return done(t, t.objectStore(store).delete(key));
}
