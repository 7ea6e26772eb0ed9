// The API client: bearer token, error bodies ({"error": {code, message, field}}), pages.
// The token lives in localStorage (the page) and in IndexedDB (so the service worker can
// send queued reports while no page is open): see queue.js.

const TOKEN_KEY = "ceasefire.token";

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || "http_error";
    this.field = err.field;
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

export function authHeaders(tok = token()) {
  return tok ? { Authorization: `Bearer ${tok}` } : {};
}

/** fetch JSON from the API; throws ApiError (HTTP) or TypeError (network). */
export async function api(path, { method = "GET", body, headers = {}, tok } = {}) {
  const init = { method, headers: { Accept: "application/json", ...authHeaders(tok), ...headers } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Every item of a paged list endpoint (limit 10 000 per page). */
export async function allPages(path, params = {}, onPage = () => {}) {
  const items = [];
  let offset = 0;
  for (;;) {
    const query = new URLSearchParams({ ...params, limit: "10000", offset: String(offset) });
    const page = await api(`${path}?${query}`);
    items.push(...page.items);
    onPage(items.length, page.numberMatched);
    offset += page.numberReturned;
    if (!page.numberReturned || offset >= page.numberMatched) return items;
  }
}

export function qs(params) {
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  const text = new URLSearchParams(clean).toString();
  return text ? `?${text}` : "";
}
