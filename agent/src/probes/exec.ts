/** Runs a short command with a timeout and bounded output; used by the few probes that must spawn. */
import { childProcessModule } from '../lazy.ts';

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not start (e.g. ENOENT) or was killed. */
  error?: string;
}

export function run(
  cmd: string,
  args: string[],
  opts: { signal?: AbortSignal; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    childProcessModule().execFile(
      cmd,
      args,
      {
        signal: opts.signal,
        timeout: opts.timeoutMs ?? 5000,
        maxBuffer: 256 * 1024,
        encoding: 'utf8',
        env: opts.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: string | number };
        if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
        resolve({ code: null, stdout, stderr, error: e.code ? String(e.code) : e.message });
      },
    );
  });
}
