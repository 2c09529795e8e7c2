// Prints an isoproof config file (YAML) whose facts are those the local provider gives, read from its
// facts.env (argument 1): what a user of an existing cluster writes once into isoproof.yaml.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseLocalFacts } from '@isoproof/cluster';

const file = process.argv[2] ?? '/run/isoproof-local/facts.env';
const facts = parseLocalFacts(readFileSync(file, 'utf8'));
// Facts of the cluster's operator, not of probes: the existing provider finds the kubeconfig and version itself.
for (const k of ['kubeconfigPath', 'serverVersion', 'readySeconds', 'imagesDir', 'logsDir', 'CLUSTER_NAME']) delete facts[k];
process.stdout.write(`# generated from ${file}\n${stringify({ facts })}`);
