export { workspaceImportsOf, workspacePackages } from './workspace-imports';
export type { WorkspacePackage } from './workspace-imports';
