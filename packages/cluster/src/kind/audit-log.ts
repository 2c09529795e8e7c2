import { constants, existsSync } from 'node:fs';
import { access, chmod, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_LOG_DIR_IN_NODE } from './args';
import { runCommand } from './docker';

/**
 * The audit log directory and an empty `audit.log` in it, owned by the user running isoproof, mode
 * 0600, before the node starts: the API server (root in the node) opens an existing log with
 * O_APPEND and keeps its owner and mode, also when it rotates it, so the log stays readable by a
 * non-root runner without being readable by anyone else.
 */
export async function prepareAuditLog(auditDir: string): Promise<string> {
  await mkdir(auditDir, { recursive: true, mode: 0o700 });
  const file = join(auditDir, 'audit.log');
  const fh = await open(file, 'a', 0o600);
  await fh.close();
  await chmod(file, 0o600);
  return file;
}

/**
 * The audit log is created by the API server as root with mode 0600. The provider creates it first
 * (owned by the user running isoproof), so the server appends to a file that user can read; a
 * cluster made otherwise gets its log handed over through the node (`chown` by `docker exec`).
 */
export async function makeAuditLogReadable(
  o: { auditDir: string; controlPlane: string; dockerBinary: string },
  log: (line: string) => void,
): Promise<void> {
  const file = join(o.auditDir, 'audit.log');
  if (!existsSync(file)) return;
  if (await access(file, constants.R_OK).then(() => true, () => false)) return;
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid === undefined || gid === undefined) return;
  const r = await runCommand(o.dockerBinary, ['exec', o.controlPlane, 'chown', `${uid}:${gid}`, `${AUDIT_LOG_DIR_IN_NODE}/audit.log`], { timeoutMs: 30_000 });
  log(r.exitCode === 0 ? `kind: audit log ${file} handed to uid ${uid}` : `kind: audit log ${file} is not readable and could not be handed over: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
}
