/** Small shared pieces: loading/error states, state badges, a data hook. */
import { Component, type FunctionComponent, h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { html } from './html.ts';
import { track } from './ready.ts';

export function State({ state }: { state: string | null }) {
  const s = state ?? 'none';
  return html`<span class=${`state state-${s}`} data-state=${s}>${state ?? 'no report yet'}</span>`;
}

export interface Loaded<T> {
  data?: T;
  error?: ApiError | Error;
  loading: boolean;
  reload: () => void;
}

/**
 * Fetch once per `key` (and on reload()); the page is not drawn (ready.ts) while it is in flight. The
 * request starts while the component renders, not in the effect: an effect runs after the next frame is
 * painted, and a page's calls would leave a frame later (several on a busy machine) for nothing.
 */
export function useLoad<T>(fn: () => Promise<T>, key: string): Loaded<T> {
  const [state, set] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  const started = useRef<{ key: string; p: Promise<T> } | null>(null);
  const k = `${key}\u0000${n}`;
  if (started.current?.key !== k) started.current = { key: k, p: new Promise<T>((resolve) => resolve(fn())) };
  useEffect(() => {
    let live = true;
    set((s) => ({ ...s, loading: true }));
    void track(
      started.current!.p.then(
        (data) => live && set({ data, loading: false }),
        (error: Error) => live && set({ error, loading: false }),
      ),
    );
    return () => {
      live = false;
    };
  }, [key, n]);
  // One function for the component's life: a part given it as a prop (memo) is not drawn again for a new one.
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

export function Failed({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const notFound = error instanceof ApiError && error.status === 404;
  return html`<div class="error" role="alert">${notFound ? 'Not found, or not yours to see.' : `Could not load: ${error.message}`}</div>`;
}

export function Loading({ what }: { what: string }) {
  return html`<p class="muted" aria-live="polite">Loading ${what}…</p>`;
}

export function Card({ label, value, note, id }: { label: string; value: unknown; note?: unknown; id?: string }) {
  return html`<div class="card" data-card=${id}>
    <div class="label">${label}</div>
    <div class="big">${value}</div>
    ${note ? html`<div class="label">${note}</div>` : null}
  </div>`;
}

/** Navigate inside the console without a reload. */
export function go(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * `C`, drawn again only when one of its props changes (compared one by one, by identity): a page holding
 * several loads draws itself again as each answers, and its heavy parts (a table of 100 nodes, 50 bars)
 * need not follow unless their own data changed. Signals a part reads still redraw it.
 */
export function memo<P extends object>(C: FunctionComponent<P>) {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const prev = this.props as Record<string, unknown>;
      const n = next as Record<string, unknown>;
      for (const k in n) if (k !== 'children' && n[k] !== prev[k]) return true;
      for (const k in prev) if (!(k in n)) return true;
      return false;
    }
    render(props: P) {
      return h(C, props);
    }
  };
}
