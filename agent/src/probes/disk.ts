/** Disk: used %, free bytes and inodes of one mount point (statfs, no command). */
import { statfsAsync as statfs } from '../lazy.ts';
import { Type } from '@sinclair/typebox';
import { defineProbe, round, worst } from './probe.ts';
import type { CheckStatus } from '@timmy/shared';

export interface StatFsLike {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** Used % as `df` computes it: the root reserve counts as neither used nor available. */
export function diskFigures(s: StatFsLike) {
  const used = s.blocks - s.bfree;
  const denom = used + s.bavail;
  const usedPct = denom > 0 ? (used / denom) * 100 : 0;
  const inodesUsedPct = s.files > 0 ? ((s.files - s.ffree) / s.files) * 100 : undefined;
  return {
    totalBytes: s.blocks * s.bsize,
    freeBytes: s.bavail * s.bsize,
    usedPct: Math.min(100, Math.max(0, round(usedPct, 2))),
    inodesUsedPct: inodesUsedPct === undefined ? undefined : round(inodesUsedPct, 2),
  };
}

const Options = Type.Object(
  {
    mount: Type.String({ minLength: 1, default: '/' }),
    warnPct: Type.Number({ minimum: 0, maximum: 100, default: 85 }),
    criticalPct: Type.Number({ minimum: 0, maximum: 100, default: 90 }),
    inodeWarnPct: Type.Number({ minimum: 0, maximum: 100, default: 90 }),
    inodeCriticalPct: Type.Number({ minimum: 0, maximum: 100, default: 95 }),
  },
  { additionalProperties: false },
);

const level = (pct: number | undefined, warn: number, crit: number): CheckStatus =>
  pct === undefined ? 'ok' : pct >= crit ? 'critical' : pct >= warn ? 'warn' : 'ok';

/** The check's status from the figures and the thresholds. */
export function diskStatus(
  f: { usedPct: number; inodesUsedPct?: number },
  o: { warnPct: number; criticalPct: number; inodeWarnPct: number; inodeCriticalPct: number },
): CheckStatus {
  return worst(level(f.usedPct, o.warnPct, o.criticalPct), level(f.inodesUsedPct, o.inodeWarnPct, o.inodeCriticalPct));
}

export default defineProbe({
  type: 'disk',
  options: Options,
  defaultIntervalS: 60,
  defaultTimeoutS: 5,
  defaultName: (o) => `disk:${o.mount}`,
  validate: (o) => [
    ...(o.warnPct > o.criticalPct ? [`warnPct (${o.warnPct}) must not exceed criticalPct (${o.criticalPct})`] : []),
    ...(o.inodeWarnPct > o.inodeCriticalPct ? [`inodeWarnPct must not exceed inodeCriticalPct`] : []),
  ],
  create(o) {
    return {
      async run() {
        const f = diskFigures(await statfs(o.mount));
        const status = diskStatus(f, o);
        const gib = (f.freeBytes / 2 ** 30).toFixed(1);
        const inodes = f.inodesUsedPct === undefined ? '' : `, inodes ${f.inodesUsedPct.toFixed(1)}% used`;
        return {
          status,
          message: `${o.mount} ${f.usedPct.toFixed(1)}% used, ${gib} GiB free${inodes}`,
          values: { usedPct: f.usedPct, freeBytes: f.freeBytes, totalBytes: f.totalBytes, inodesUsedPct: f.inodesUsedPct ?? null },
          disks: [
            {
              mount: o.mount,
              totalBytes: f.totalBytes,
              freeBytes: f.freeBytes,
              usedPct: f.usedPct,
              ...(f.inodesUsedPct === undefined ? {} : { inodesUsedPct: f.inodesUsedPct }),
            },
          ],
        };
      },
    };
  },
});
