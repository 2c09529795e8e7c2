import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Redactor } from './redaction';
import { defaultRedactor } from './redaction';

export interface RedactedCopyOptions {
  /** Default: core's process-wide redactor (registered secrets, bearer and JWT-shaped tokens). */
  redactor?: Redactor;
  /** Leaves out a file or a whole directory; `rel` is the path under the source, '/'-separated. */
  exclude?: (rel: string, isDir: boolean) => boolean;
  /** Lines written to REDACTION_README in the destination, before the summary of what was left out. */
  notes?: string[];
}

export interface RedactedCopyResult {
  /** Text files copied (each line through the redactor). */
  copied: number;
  /** Of those, files where the redactor replaced something. */
  redacted: number;
  /** Files not copied because they look binary (redaction cannot vouch for them), '/'-separated. */
  binary: string[];
  /** Files and directories left out by `exclude`. */
  excluded: string[];
  /** Symbolic links, sockets, devices: never followed nor copied. */
  special: string[];
}

/** The note written in the destination of copyRedacted. */
export const REDACTION_README = 'README.isoproof.txt';

const SNIFF_BYTES = 8192;

/** Does the start of the file look binary (a NUL byte, as git and grep decide)? */
export async function looksBinary(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead).includes(0);
  } finally {
    await fh.close();
  }
}

/** Copies one text file, each line through `redactor`; returns whether anything was replaced. */
async function copyTextFile(src: string, dest: string, redactor: Redactor): Promise<boolean> {
  const out = await open(dest, 'w', 0o600);
  let changed = false;
  try {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    const emit = async (text: string) => {
      const red = redactor.redactText(text);
      if (red !== text) changed = true;
      await out.write(red);
    };
    for await (const chunk of createReadStream(src)) {
      rest += decoder.write(chunk as Buffer);
      const cut = rest.lastIndexOf('\n');
      if (cut < 0) continue;
      // Whole lines only: a secret never straddles two redaction calls (line by line).
      const lines = rest.slice(0, cut + 1);
      rest = rest.slice(cut + 1);
      for (const line of lines.split(/(?<=\n)/)) await emit(line);
    }
    rest += decoder.end();
    if (rest) await emit(rest);
  } finally {
    await out.close();
  }
  return changed;
}

/**
 * Copies the directory tree `src` into `dest` so that nothing in it escapes redaction: every text
 * file is copied line by line through the redactor; binary files (compressed logs, databases) are
 * left out and listed, since they cannot be redacted; symlinks and special files are never followed.
 * A REDACTION_README in `dest` says what was done and what was left out. Files are written 0600.
 */
export async function copyRedacted(src: string, dest: string, opts: RedactedCopyOptions = {}): Promise<RedactedCopyResult> {
  const redactor = opts.redactor ?? defaultRedactor;
  const result: RedactedCopyResult = { copied: 0, redacted: 0, binary: [], excluded: [], special: [] };
  const rel = (p: string) => relative(src, p).split(sep).join('/');

  const walk = async (dir: string, to: string): Promise<void> => {
    await mkdir(to, { recursive: true, mode: 0o700 });
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const from = join(dir, e.name);
      const r = rel(from);
      const st = await lstat(from);
      if (opts.exclude?.(r, st.isDirectory())) {
        result.excluded.push(st.isDirectory() ? `${r}/` : r);
        continue;
      }
      if (st.isDirectory()) {
        await walk(from, join(to, e.name));
      } else if (!st.isFile()) {
        result.special.push(r);
      } else if (await looksBinary(from)) {
        result.binary.push(r);
      } else {
        if (await copyTextFile(from, join(to, e.name), redactor)) result.redacted++;
        result.copied++;
      }
    }
  };
  await walk(src, dest);

  const list = (title: string, items: string[]) => (items.length ? [`${title} (${items.length}):`, ...items.map((i) => `  ${i}`)] : []);
  const readme = [
    ...(opts.notes ?? []),
    `Every text file here was copied line by line through isoproof's redaction: registered secret values and bearer/JWT-shaped tokens are replaced by hmac:<16 hex>. ${result.copied} files copied, ${result.redacted} with replacements.`,
    ...list('Left out, binary (cannot be redacted)', result.binary),
    ...list('Left out on purpose', result.excluded),
    ...list('Left out, links and special files (never followed)', result.special),
    '',
  ];
  await writeFile(join(dest, REDACTION_README), readme.join('\n'), { mode: 0o600 });
  return result;
}
