import { unitConfig } from '../../vitest.shared';

export default unitConfig;
