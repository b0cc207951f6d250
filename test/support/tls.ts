/**
 * A throw-away self-signed certificate for 127.0.0.1 (EC P-256, one day), made by Debian's `openssl`:
 * the one way tests and benchmarks get a TLS server. Throws (with openssl's stderr) when openssl fails.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CertFiles {
  key: string;
  cert: string;
}

export function selfSignedCert(dir: string): CertFiles {
  const files = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      files.key,
      '-out',
      files.cert,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return files;
}
