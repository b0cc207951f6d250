/** Figures as people read them. */
export const pct = (ratio: number | null | undefined, digits = 3) =>
  ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)} %`;

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const neg = seconds < 0;
  let s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d ? [`${d} d`, `${h} h`] : h ? [`${h} h`, `${m} min`] : m ? [`${m} min`, ...(m < 10 && s ? [`${s} s`] : [])] : [`${s} s`];
  return (neg ? '−' : '') + parts.join(' ');
}

/**
 * A whole number with thousands separators (1,234,567). Written out rather than with Intl.NumberFormat:
 * building a formatter costs chromium 20-25 ms of a page's first script (ICU's number data), and
 * toLocaleString builds one per call.
 */
export function grouped(n: number): string {
  const r = Math.round(n);
  return (r < 0 ? '-' : '') + String(Math.abs(r)).replace(/\B(?=(\d{3})+$)/g, ',');
}
/** A count of minutes with thousands separators. */
export const minutes = (seconds: number) => `${grouped(seconds / 60)} min`;

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  return `${duration((now - Date.parse(iso)) / 1000)} ago`;
}

export const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

export const currentMonth = () => new Date().toISOString().slice(0, 7);
export function previousMonth(month = currentMonth()): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 2, 1));
  return d.toISOString().slice(0, 7);
}
