import fs from 'node:fs';
import path from 'node:path';
import { SchemaRegistry } from '../../gateway/schemas/registry';
import { schemasDir } from '../../gateway/schemas/paths';

// The README tour posts these files: they must stay valid as the schemas evolve.
test.each(['case-record', 'case-status', 'official-document', 'supervision-notice', 'document-answer'])('schemas/examples/%s.example.json is a valid %s', async (type) => {
  const registry = await SchemaRegistry.load(schemasDir());
  const example = JSON.parse(fs.readFileSync(path.join(schemasDir(), 'examples', `${type}.example.json`), 'utf8'));
  expect(registry.validate(type, example)).toEqual({ ok: true });
});
