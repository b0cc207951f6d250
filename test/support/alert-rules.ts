/** Imports nothing, so a benchmark run outside vitest can use it too. */
/** Every default alert rule but node-offline, switched off: the alert tests and bench:alerts watch that one alone. */
export const ONLY_NODE_OFFLINE = [
  'sla_check_failing',
  'disk_warning',
  'disk_critical',
  'tmux_session_missing',
  'cron_stale',
  'credential_expiring',
  'clock_skew',
  'sla_at_risk',
  'region_coverage',
].map((id) => ({ id, enabled: false }));
