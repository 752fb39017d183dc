import { InvalidArgumentError } from 'commander';
import { parseVkey, type NoteVerifierKey } from '../log/note';

/** A repeatable commander option holding signed-note verifier keys of one type (0x01 log note keys, 0x04 witness cosigner keys). */
export const vkeyOption =
  (type: NoteVerifierKey['type'], wrongType: string) =>
  (value: string, all: NoteVerifierKey[]): NoteVerifierKey[] => {
    let k: NoteVerifierKey;
    try {
      k = parseVkey(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    if (k.type !== type) throw new InvalidArgumentError(wrongType);
    return [...all, k];
  };
