#!/usr/bin/env node
// Builds a container image archive without a registry or a Docker engine: one uncompressed layer of
// static binaries, written in the `docker save` layout (manifest.json + config + layer), which both
// `ctr images import` and `kind load image-archive` accept. Deterministic: fixed mtimes, sorted entries.
//
//   node make-image.mjs --tag isoproof.local/x:1 --out x.tar --entrypoint '["/x"]' \
//        --file /path/to/bin:/x [--file ...] [--dir /tmp:1777] [--user 65532]
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    tag: { type: 'string' },
    out: { type: 'string' },
    entrypoint: { type: 'string', default: '[]' },
    cmd: { type: 'string', default: '[]' },
    file: { type: 'string', multiple: true, default: [] },
    dir: { type: 'string', multiple: true, default: [] },
    user: { type: 'string', default: '' },
  },
});
if (!values.tag || !values.out) {
  console.error('make-image: --tag and --out are required');
  process.exit(2);
}

const BLOCK = 512;

function header(name, size, mode, type) {
  const h = Buffer.alloc(BLOCK);
  const put = (str, off, len) => h.write(str, off, len, 'utf8');
  const octal = (n, len) => n.toString(8).padStart(len - 1, '0') + '\0';
  if (Buffer.byteLength(name) > 100) throw new Error(`path too long for ustar: ${name}`);
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8); // uid
  put(octal(0, 8), 116, 8); // gid
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12); // mtime: fixed for reproducible digests
  put('        ', 148, 8); // checksum placeholder
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + ' ', 148, 8);
  return h;
}

function tar(entries) {
  const parts = [];
  for (const e of entries) {
    if (e.type === 'dir') {
      parts.push(header(e.name.endsWith('/') ? e.name : `${e.name}/`, 0, e.mode, '5'));
    } else {
      parts.push(header(e.name, e.data.length, e.mode, '0'), e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// The layer: directories first, then files, each sorted by path.
const layerEntries = [];
for (const spec of values.dir) {
  const [path, mode] = spec.split(':');
  layerEntries.push({ type: 'dir', name: path.replace(/^\//, ''), mode: parseInt(mode ?? '755', 8) });
}
for (const spec of values.file) {
  const idx = spec.lastIndexOf(':');
  const src = spec.slice(0, idx);
  const dest = spec.slice(idx + 1).replace(/^\//, '');
  const mode = statSync(src).mode & 0o111 ? 0o755 : 0o644;
  layerEntries.push({ type: 'file', name: dest, mode, data: readFileSync(src) });
}
layerEntries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'dir' ? -1 : 1));
const layer = tar(layerEntries);
const layerDigest = sha256(layer);

const config = Buffer.from(
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Entrypoint: JSON.parse(values.entrypoint),
      Cmd: JSON.parse(values.cmd),
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
      WorkingDir: '/',
      ...(values.user ? { User: values.user } : {}),
      Labels: { 'dev.isoproof.built-by': 'clusters/local/images/make-image.mjs' },
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created_by: 'isoproof make-image' }],
  }),
);
const configDigest = sha256(config);

const manifest = Buffer.from(
  JSON.stringify([
    { Config: `${configDigest}.json`, RepoTags: [values.tag], Layers: [`${layerDigest}/layer.tar`] },
  ]),
);

const archive = tar([
  { type: 'dir', name: layerDigest, mode: 0o755 },
  { type: 'file', name: `${layerDigest}/layer.tar`, mode: 0o644, data: layer },
  { type: 'file', name: `${configDigest}.json`, mode: 0o644, data: config },
  { type: 'file', name: 'manifest.json', mode: 0o644, data: manifest },
]);
writeFileSync(values.out, archive);
console.log(`${values.tag} ${values.out} sha256:${configDigest} ${(archive.length / 1048576).toFixed(1)} MiB`);
