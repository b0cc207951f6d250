/**
 * The API, same origin: the session cookie goes with every request; state-changing requests carry the
 * session's CSRF token (x-csrf-token). An error is thrown as ApiError with the reply's FLEET_ code.
 */
import { signal } from '@preact/signals';

export interface Session {
  signedIn: boolean;
  role: string;
  name: string | null;
  operator: string | null;
  partner: string | null;
  csrf: string | null;
  expiresAt: string | null;
}

export const SIGNED_OUT: Session = {
  signedIn: false,
  role: 'public',
  name: null,
  operator: null,
  partner: null,
  csrf: null,
  expiresAt: null,
};
export const session = signal<Session | undefined>(undefined);

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return (await request<T>(path, init)).body;
}

/** A list read with a limit: its rows and how many matched in all (the `x-total-count` header). */
export async function apiList<T>(path: string): Promise<{ items: T[]; total: number }> {
  const r = await request<T[]>(path, {});
  return { items: r.body, total: Number(r.headers.get('x-total-count') ?? r.body.length) };
}

async function request<T>(path: string, init: { method?: string; body?: unknown }): Promise<{ body: T; headers: Headers }> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const csrf = session.value?.csrf;
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (res.status === 204) return { body: undefined as T, headers: res.headers };
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const e = (body ?? {}) as { code?: string; message?: string };
    if (res.status === 401 && session.value?.signedIn) session.value = SIGNED_OUT;
    throw new ApiError(res.status, e.code ?? 'FLEET_INTERNAL', e.message ?? res.statusText);
  }
  return { body: body as T, headers: res.headers };
}

/** When the collector served this page (its clock, ms; #session's data-served-at), if it says. */
export function pageServedAt(): number | undefined {
  const v = Number(document.getElementById('session')?.dataset.servedAt);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The session the collector wrote into the page it served (#session, a JSON data block), if any. */
export function pageSession(): Session | undefined {
  try {
    const text = document.getElementById('session')?.textContent;
    return text ? (JSON.parse(text) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export async function loadSession(): Promise<Session> {
  try {
    session.value = await api<Session>('/v1/session');
  } catch {
    session.value = SIGNED_OUT;
  }
  return session.value;
}

export async function signIn(token: string): Promise<Session> {
  const s = await api<Session>('/v1/session', { method: 'POST', body: { token } });
  session.value = s;
  return s;
}

export async function signOut(): Promise<void> {
  try {
    await api('/v1/session', { method: 'DELETE' });
  } finally {
    session.value = SIGNED_OUT;
  }
}

export const STAFF = ['admin', 'fleet_lead', 'finance'];
export const isStaff = (s: Session | undefined) => !!s && STAFF.includes(s.role);
export const isLead = (s: Session | undefined) => !!s && (s.role === 'admin' || s.role === 'fleet_lead');
