export { createNetworkFamily, criteriaNamespaces } from './family';
export { snapshotFromManifests, predictOutcomes } from './offline';
