export * from './model';
export * from './errors';
export * from './criteria-schema';
export * from './waivers';
export * from './evaluate';
export * from './redaction';
export * from './run';
export { formatAjvErrors, pointerToPath, describeValue } from './schema-errors';
