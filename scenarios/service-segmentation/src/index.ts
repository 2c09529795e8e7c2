import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { createNetworkFamily } from '@isoproof/probe-network';

export const scenario: ScenarioDefinition = {
  name: 'service-segmentation',
  description:
    'The e-commerce namespace of 003 with its NetworkPolicies (gateway, orders, MySQL, RabbitMQ, payments egress, incident isolation) and MediSecure (002: patient service -> PostgreSQL 5432 only), proven by real traffic',
  dir: resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  families: [createNetworkFamily()],
};
