import path from 'node:path';
import { projectRoot } from '../gateway/schemas/paths';

/** A file shipped in an adapter's folder (WSDLs), from source or from dist/ alike: tsc does not copy them. */
export const adapterFile = (adapter: string, file: string): string => path.join(projectRoot(), 'adapters', adapter, file);
