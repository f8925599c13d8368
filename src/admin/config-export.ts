import { stringify } from 'yaml';
import { flowsToRaw } from '../config/canonical.js';
import type { ConfigService } from './config-service.js';

/**
 * The served configuration as one flows file (`hookline export`, GET /api/v1/config/export), with a
 * header saying where it came from and what was left out. Loading it gives the same configuration
 * (config-export.test.ts proves the round trip).
 */
export function exportYaml(config: ConfigService): string {
  const status = config.status();
  const head = [
    `# hookline configuration: ${status.file} and the items made through the Administration API or console.`,
    '# Serve it with `hookline serve --flows <this file>` (keep the data dir for recordings and calls).',
    ...status.disabled.map((d) => `# Left out, not served: ${d.kind} ${d.key}: ${d.reason}`),
  ];
  return `${head.join('\n')}\n${stringify(flowsToRaw(config.current()))}`;
}
