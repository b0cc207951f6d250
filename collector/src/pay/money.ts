/**
 * Money: integer cents, computed exactly, rounded once.
 *
 * A line item's amount is first computed as an exact fraction of cents (`Exact`, BigInt numerator and
 * denominator: no floating point anywhere), then rounded by `roundCents`, the one rounding rule of the
 * pay engine: **half up on the magnitude, to whole cents** (12.5¢ → 13¢, -12.5¢ → -13¢), applied once
 * per line item. Totals are sums of rounded line items.
 */

export interface Exact {
  num: bigint;
  /** Always > 0. */
  den: bigint;
}

export const exactCents = (cents: number): Exact => ({ num: BigInt(cents), den: 1n });

/** x × num / den, still exact. */
export function scale(x: Exact, num: bigint | number, den: bigint | number = 1n): Exact {
  const d = BigInt(den);
  if (d <= 0n) throw new RangeError('scale: denominator must be positive');
  return { num: x.num * BigInt(num), den: x.den * d };
}

export const negate = (x: Exact): Exact => ({ num: -x.num, den: x.den });

/** The rounding rule, stated once: half up on the magnitude, to whole cents. */
export function roundCents(x: Exact): number {
  const negative = x.num < 0n;
  const magnitude = negative ? -x.num : x.num;
  const rounded = (2n * magnitude + x.den) / (2n * x.den); // floor(m/d + 1/2)
  return rounded === 0n ? 0 : Number(negative ? -rounded : rounded);
}

/** Cents as a decimal amount: 123456 → "1234.56", -5 → "-0.05". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Cents as dollars for people: 123456 → "$1,234.56", -500 → "-$5.00". */
export function formatUsd(cents: number): string {
  const [whole, frac] = formatCents(Math.abs(cents)).split('.');
  return `${cents < 0 ? '-' : ''}$${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** Percent thresholds and rates are written with at most 3 decimals; inside they are integer milli-percent. */
export const MILLI_PCT_PER_UNIT = 100_000n; // 100 % = 100 000 milli-percent

export function milliPct(pct: number): bigint {
  const m = Math.round(pct * 1000);
  if (Math.abs(m - pct * 1000) > 1e-6) throw new RangeError(`${pct} has more than 3 decimals`);
  return BigInt(m);
}

/** num/den as a percentage with `places` decimals, truncated (never overstated): 9995/10000 → "99.9500". */
export function percentString(num: number | bigint, den: number | bigint, places = 4): string {
  return decimalString(BigInt(num) * 100n, BigInt(den), places);
}

/** num/den with `places` decimals, truncated toward zero; num, den ≥ 0. */
export function decimalString(num: bigint, den: bigint, places: number): string {
  const scaled = (num * 10n ** BigInt(places)) / den;
  const s = scaled.toString().padStart(places + 1, '0');
  return places === 0 ? s : `${s.slice(0, -places)}.${s.slice(-places)}`;
}
