export { admissionFamily } from './admission';
export { workloadFamily } from './workload';
