import type { Adapter } from './types';
import { hallRest } from './hall-rest/adapter';
import { deptRest } from './dept-rest/adapter';
import { amrSoap } from './amr-soap/adapter';
import { taxSoap } from './tax-soap/adapter';
import { docstationXml } from './docstation-xml/adapter';

/** The one adapter table: a member's `adapter` names one of these. Adding a kind of system = one folder + one line here. */
export const adapters: ReadonlyMap<string, Adapter> = new Map([hallRest, deptRest, amrSoap, taxSoap, docstationXml].map((a) => [a.name, a]));
