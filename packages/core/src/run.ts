import { randomBytes } from 'node:crypto';
import type { Run } from './model';

const B36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A new run: id `r` + 10 base36 characters (DNS-label safe, usable in names and label values). */
export function newRun(now: Date = new Date()): Run {
  const bytes = randomBytes(10);
  let id = 'r';
  // 252 = 7 * 36: rejecting bytes >= 252 keeps the distribution uniform
  let i = 0;
  let pool = bytes;
  while (id.length < 11) {
    if (i >= pool.length) {
      pool = randomBytes(10);
      i = 0;
    }
    const b = pool[i++] as number;
    if (b < 252) id += B36[b % 36];
  }
  return { id, startedAt: now.toISOString() };
}

export const RUN_ID_PATTERN = /^r[0-9a-z]{10}$/;
