#!/usr/bin/env node
// The isoproof command: registers tsx so the TypeScript sources run as they are, then hands over.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
const code = await main(process.argv.slice(2));
// Flush stdout/stderr before exiting (client keep-alive sockets would otherwise hold the process).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
