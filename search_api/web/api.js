// Calls to the public /api/v1 endpoints: JSON in and out, the API key as a Bearer header, errors as ApiError.

const KEY_STORAGE = "thammuu.apiKey";
export const API = "/api/v1";

/** An error answer from the API ({"error": {"code", "message"}}) or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The API key for this browser session (sessionStorage only: never in the URL or localStorage). */
export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

/** Remember (or with an empty value, forget) the API key for this session. */
export function setKey(value) {
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Without sessionStorage the key cannot be kept; the next 401 asks again.
  }
}

/** Headers for an API call: Accept, optional JSON body type, and the Bearer key when one is set. */
export function headers(extra = {}) {
  // X-Thammuu-Client proves a request comes from this page: a foreign site cannot send it without a CORS
  // preflight, which the server never grants (its cross-site write guard checks it for uploads).
  const h = { Accept: "application/json", "X-Thammuu-Client": "web", ...extra };
  const key = getKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function errorFrom(resp) {
  let code = `http_${resp.status}`;
  let message = resp.statusText || `HTTP ${resp.status}`;
  try {
    const body = await resp.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    } else if (body && body.detail) {
      message = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    }
  } catch {
    // Not JSON: keep the status text.
  }
  return new ApiError(resp.status, code, message);
}

/** Raw fetch of an API path with auth; throws ApiError on a network failure or a non-2xx answer. */
export async function request(path, { method = "GET", body, accept, signal } = {}) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }), signal };
  if (accept) init.headers.Accept = accept;
  if (body !== undefined) init.body = JSON.stringify(body);
  let resp;
  try {
    resp = await fetch(API + path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", String(err && err.message ? err.message : err));
  }
  if (!resp.ok) throw await errorFrom(resp);
  return resp;
}

/** GET or POST returning parsed JSON. */
export async function json(path, options = {}) {
  const resp = await request(path, options);
  return resp.json();
}

/** Fetch a file with the Authorization header and hand it to the browser as a download. */
export async function download(path, filename) {
  const resp = await request(path, { accept: "*/*" });
  const blob = await resp.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before the blob URL is released.
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

/** Read a text/event-stream answer (POST with a body, so EventSource cannot be used), calling onEvent(name, data). */
export async function stream(path, body, onEvent, signal) {
  const resp = await request(path, { method: "POST", body, accept: "text/event-stream", signal });
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      dispatch(block, onEvent);
    }
  }
  if (buffer.trim()) dispatch(buffer, onEvent);
}

function dispatch(block, onEvent) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const idx = line.indexOf(":");
    const field = idx < 0 ? line : line.slice(0, idx);
    const value = idx < 0 ? "" : line.slice(idx + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return;
  const text = data.join("\n");
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Plain-text data stays a string.
  }
  onEvent(name, parsed);
}
