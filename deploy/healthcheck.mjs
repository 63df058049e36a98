// Container health check of the Switchyard image (Dockerfile HEALTHCHECK), plain Node, no curl.
// Exit 0 = healthy. The role comes from the command line of PID 1 — `node dist/bin/switchyard.js
// <role>`, or docker-init's `-- node dist/bin/switchyard.js <role>` under compose `init: true` —
// so one image serves every role:
// - api / all: GET http://127.0.0.1:$PORT/healthz (PORT default 8080) must answer 2xx within 2.5 s.
// - worker:    no HTTP server; healthy while the process runs (BullMQ's locks and stalled-job
//              recovery hand a dead worker's jobs to others).
// SWITCHYARD_HEALTH_CMDLINE names another NUL-separated command-line file (tests only).
import { readFileSync } from 'node:fs';

function role() {
  try {
    const args = readFileSync(process.env.SWITCHYARD_HEALTH_CMDLINE ?? '/proc/1/cmdline', 'utf8').split('\0');
    const entry = args.findIndex((arg) => /bin\/switchyard\.(js|ts)$/.test(arg));
    if (entry >= 0) return args[entry + 1] || 'all';
  } catch {
    // No /proc (not Linux): fall through to the HTTP check.
  }
  return 'unknown';
}

if (role() === 'worker') process.exit(0);
try {
  const res = await fetch(`http://127.0.0.1:${process.env.PORT || '8080'}/healthz`, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
