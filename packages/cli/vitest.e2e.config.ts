import { e2eConfig } from '../../vitest.shared';

export default e2eConfig;
