/**
 * Live node states from GET /v1/events (server-sent events, same origin, the session cookie): a `state`
 * event per node state change the signed-in person may see. Pages read `liveStates` (node → state) over
 * what they loaded; `liveCounts` has the fleet-wide counts.
 */
import { signal } from '@preact/signals';
import type { FleetCounts, NodeStateEvent } from '../../../shared/src/wire/console.ts';

export const liveStates = signal<Record<string, NodeStateEvent>>({});
export const liveCounts = signal<Record<string, number> | undefined>(undefined);
export const lastEvent = signal<NodeStateEvent | undefined>(undefined);
export const connected = signal(false);

let source: EventSource | undefined;

/** Opens the stream; with `since` (the collector's clock, ms) the changes since then come first. */
export function startLive(since?: number): void {
  stopLive();
  if (typeof EventSource === 'undefined') return;
  const es = new EventSource(since === undefined ? '/v1/events' : `/v1/events?since=${Math.floor(since)}`);
  source = es;
  es.addEventListener('open', () => (connected.value = true));
  es.addEventListener('error', () => (connected.value = false));
  es.addEventListener('state', (e) => {
    const ev = JSON.parse((e as MessageEvent<string>).data) as NodeStateEvent;
    liveStates.value = { ...liveStates.value, [ev.node]: ev };
    lastEvent.value = ev;
  });
  es.addEventListener('counts', (e) => {
    liveCounts.value = (JSON.parse((e as MessageEvent<string>).data) as FleetCounts).states;
  });
}

export function stopLive(): void {
  source?.close();
  source = undefined;
  connected.value = false;
}

/** A node's state: the live one when an event came after what the page loaded. */
export function stateOf(node: string, loaded: string | null, loadedAt = 0): string | null {
  const ev = liveStates.value[node];
  return ev && Date.parse(ev.at) >= loadedAt - 60_000 ? ev.to : loaded;
}
