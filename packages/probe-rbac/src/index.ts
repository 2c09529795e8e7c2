export { rbacFamily } from './family';
export { auditFamily } from './audit-family';
