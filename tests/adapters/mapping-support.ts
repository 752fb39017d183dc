import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { AdapterError } from '../../adapters/errors';
import { isValidIdNumber, isValidUscc } from '../../gateway/schemas/identifiers';
import type { NativeObject } from '../../adapters/types';
import caseRecordSchema from '../../schemas/case-record.schema.json';
import caseStatusSchema from '../../schemas/case-status.schema.json';

/** What the mapping tests share: an independent XML parser, the schemas, and error capture. */
const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, trimValues: false, ignoreAttributes: true, htmlEntities: true });

/** The children of the root element, as the SOAP layer hands them over. */
export const parseChildren = (xml: string): NativeObject => Object.values(parser.parse(xml) as Record<string, NativeObject>)[0]!;

const ajv = new Ajv2020({ allErrors: true, strict: true, discriminator: true });
addFormats(ajv);
ajv.addFormat('uscc', { type: 'string', validate: isValidUscc });
ajv.addFormat('cn-id-number', { type: 'string', validate: isValidIdNumber });
export const validCaseRecord = ajv.compile(caseRecordSchema);
export const validCaseStatus = ajv.compile(caseStatusSchema);
/** For the services' request and response schemas (patterns, no custom formats). */
export const plainAjv = new Ajv2020({ allErrors: true, strict: true });

/** Runs fn and returns the AdapterError it throws. */
export function caught(fn: () => unknown): AdapterError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AdapterError) return e;
    throw e;
  }
  throw new Error('expected an AdapterError');
}

export const asPayload = (r: unknown) => r as Record<string, unknown>;
