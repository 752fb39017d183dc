import fs from 'node:fs';
import type { Command } from 'commander';
import { decodeDocumentText } from '../documents/decode';
import { importDocument } from '../documents/importer';
import { ELEMENTS } from '../documents/model';
import { print } from './context';

/** Files larger than this are not 公文 texts (the HTTP import takes 1 MiB; a file may be GBK, a little smaller). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const nameOf = new Map(ELEMENTS.map((e) => [e.element, e.name]));

/**
 * `xgw import-document <file.txt>`: the plain-text importer from the command line; needs no
 * database. Prints the parsed document and its report as JSON on stdout, and a short
 * found/missing summary on stderr (`--json` leaves the summary out). UTF-8 or GBK, detected strictly.
 */
export function registerImportDocument(program: Command): void {
  program
    .command('import-document <file>')
    .description('parse a plain-text 公文 (UTF-8 or GBK) and print it as JSON with what was found and missing')
    .option('--json', 'only the JSON, no summary')
    .action((file: string, o: { json?: boolean }) => {
      const size = fs.statSync(file).size;
      if (size > MAX_FILE_BYTES) throw new Error(`${file} is ${size} bytes; a 公文 text is at most ${MAX_FILE_BYTES}`);
      const { text, encoding } = decodeDocumentText(fs.readFileSync(file));
      const result = importDocument(text);
      print(JSON.stringify({ ...result, encoding }, null, 2));
      if (!o.json) {
        const list = (els: string[]) => els.map((e) => `${nameOf.get(e as never)} ${e}`).join(', ') || '—';
        process.stderr.write(`found (${result.report.found.length}): ${list(result.report.found)}\nmissing (${result.report.missing.length}): ${list(result.report.missing)}\n`);
      }
    });
}
