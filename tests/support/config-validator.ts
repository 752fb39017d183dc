import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { schema } from '../../gateway/config-schema';

/** The file gateway/config.ts loads: the config schema compiled ahead of time. */
export const CONFIG_VALIDATOR_FILE = 'gateway/config-validate.ts';

/** Its text, from the schema as it is now (tests/unit/config.test.ts compares; XGW_UPDATE_CONFIG_VALIDATOR=1 rewrites it). */
export function configValidatorSource(): string {
  const ajv = new Ajv({ allErrors: false, strict: true, code: { source: true, esm: true } });
  return [
    `// Generated from gateway/config-schema.ts by tests/unit/config.test.ts (XGW_UPDATE_CONFIG_VALIDATOR=1 rewrites it): do not edit.`,
    `// The config schema compiled ahead of time (Ajv standalone code, allErrors false, strict): compiling it in each`,
    `// process cost ≈0.1 s of CPU, and every xgw command and gateway start validates its config.`,
    `// @ts-nocheck`,
    standaloneCode(ajv, ajv.compile(schema)),
    '',
  ].join('\n');
}
