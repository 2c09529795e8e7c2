import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../src/redaction';
import { REDACTION_README, copyRedacted } from '../src/redacted-copy';

/** Every file under dir, as text (binary included), to search for leaks. */
function allText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += readFileSync(join(e.parentPath, e.name), 'latin1');
  }
  return out;
}

const SECRET = 'planted-S3cr3t-value-42';
// JWT-shaped (header.payload.signature), never registered.
const JWT = `eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.${Buffer.from('{"sub":"system:serviceaccount:a:b"}').toString('base64url')}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;

function tree(): string {
  const src = mkdtempSync(join(tmpdir(), 'isoproof-redact-src-'));
  mkdirSync(join(src, 'node', 'sub'), { recursive: true });
  writeFileSync(join(src, 'audit.log'), `{"user":"admin","token":"${SECRET}"}\nplain line\n{"b64":"${Buffer.from(SECRET).toString('base64')}"}`);
  writeFileSync(join(src, 'node', 'sub', 'kubelet.log'), `I0101 token=${JWT} ok\nAuthorization: Bearer abcdefgh12345678\n`);
  writeFileSync(join(src, 'node', 'rotated.log.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, ...Buffer.from(SECRET)]));
  writeFileSync(join(src, 'outside.txt'), `outside ${SECRET}\n`);
  symlinkSync(join(src, 'outside.txt'), join(src, 'node', 'link.log'));
  return src;
}

describe('copyRedacted', () => {
  it('never lets a registered secret or a JWT-shaped token through; keeps the rest of each line', async () => {
    const redactor = createRedactor();
    redactor.register(SECRET);
    const src = tree();
    const dest = join(mkdtempSync(join(tmpdir(), 'isoproof-redact-dest-')), 'logs');
    const r = await copyRedacted(src, dest, { redactor, notes: ['test logs'] });

    const text = allText(dest);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(text).not.toContain(JWT);
    expect(text).not.toContain('abcdefgh12345678');
    const audit = readFileSync(join(dest, 'audit.log'), 'utf8');
    expect(audit).toBe(`{"user":"admin","token":"${redactor.hash(SECRET)}"}\nplain line\n{"b64":"${redactor.hash(SECRET)}"}`);
    expect(readFileSync(join(dest, 'node', 'sub', 'kubelet.log'), 'utf8')).toMatch(/^I0101 token=hmac:[0-9a-f]{16} ok\nAuthorization: Bearer hmac:[0-9a-f]{16}\n$/);

    expect(r).toMatchObject({ copied: 3, redacted: 3, binary: ['node/rotated.log.gz'], special: ['node/link.log'], excluded: [] });
    expect(readdirSync(join(dest, 'node')).sort()).toEqual(['sub']);
    const readme = readFileSync(join(dest, REDACTION_README), 'utf8');
    expect(readme).toMatch(/^test logs\n/);
    expect(readme).toContain('node/rotated.log.gz');
    expect(statSync(join(dest, 'audit.log')).mode & 0o777).toBe(0o600);
  });

  it('redacts a secret sitting across read-chunk boundaries (long files)', async () => {
    const redactor = createRedactor();
    redactor.register(SECRET);
    const src = mkdtempSync(join(tmpdir(), 'isoproof-redact-src-'));
    const filler = 'x'.repeat(65_530);
    writeFileSync(join(src, 'big.log'), `${filler}${SECRET}\n`.repeat(3));
    const dest = mkdtempSync(join(tmpdir(), 'isoproof-redact-dest-'));
    await copyRedacted(src, dest, { redactor });
    const out = readFileSync(join(dest, 'big.log'), 'utf8');
    expect(out).not.toContain(SECRET);
    expect(out).toBe(`${filler}${redactor.hash(SECRET)}\n`.repeat(3));
  });

  it('leaves out what exclude names and lists it', async () => {
    const src = tree();
    const dest = mkdtempSync(join(tmpdir(), 'isoproof-redact-dest-'));
    const r = await copyRedacted(src, dest, { redactor: createRedactor(), exclude: (rel) => rel === 'node' });
    expect(r.excluded).toEqual(['node/']);
    expect(readdirSync(dest).sort()).toEqual(['README.isoproof.txt', 'audit.log', 'outside.txt']);
  });
});
