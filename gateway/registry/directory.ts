import type { Db } from '../store/db';
import { AgreementTable } from './agreements';
import { listMembers, type Member } from './members';

/**
 * The registry as the hot path sees it: members and agreements held in memory,
 * loaded at start (registry changes take effect on restart until run-time
 * registry administration exists).
 */
export class Directory {
  private members = new Map<string, Member>();
  readonly agreements: AgreementTable;

  constructor(private readonly db: Db) {
    this.agreements = new AgreementTable(db);
  }

  async reload(): Promise<void> {
    const list = await listMembers(this.db);
    this.members = new Map(list.map((m) => [m.code, m]));
    await this.agreements.reload();
  }

  member(code: string): Member | undefined {
    return this.members.get(code);
  }

  allMembers(): Member[] {
    return [...this.members.values()];
  }
}
