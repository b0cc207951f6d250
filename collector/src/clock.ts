/** The one source of "now" (ms since the epoch). Tests pass their own. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
