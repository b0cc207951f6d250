/** A server-sent events client for tests: opens `GET /v1/events` and records every event and comment as it arrives. */
export type Received = { event: string; data: Record<string, unknown>; at: number; id?: string };

export interface Stream {
  events: Received[];
  /** Comment lines (`: heartbeat`) received. */
  comments: number;
  ended: boolean;
  status: number;
  abort: AbortController;
  done: Promise<void>;
}

/** `opts.query`: the query string (`since=…`); `opts.lastEventId`: as a reconnecting EventSource sends it. */
export function openStream(baseUrl: string, token?: string, opts: { query?: string; lastEventId?: string } = {}): Stream {
  const s: Stream = { events: [], comments: 0, ended: false, status: 0, abort: new AbortController(), done: Promise.resolve() };
  s.done = (async () => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
    const res = await fetch(`${baseUrl}/v1/events${opts.query ? `?${opts.query}` : ''}`, { headers, signal: s.abort.signal });
    s.status = res.status;
    if (!res.headers.get('content-type')?.startsWith('text/event-stream')) throw new Error(`not an event stream: ${res.status}`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (block.startsWith(':')) s.comments++;
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        const id = /^id: (.*)$/m.exec(block)?.[1];
        if (event && data) s.events.push({ event, data: JSON.parse(data), at: Date.now(), ...(id ? { id } : {}) });
      }
    }
  })()
    .catch(() => {})
    .finally(() => {
      s.ended = true;
    });
  return s;
}

/** Polls `f` every 20 ms until it gives something (no fixed sleeps in tests). */
export async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
