import type { Db } from '../store/db';
import { AgreementTable } from './agreements';
import { listMembers, type Member } from './members';
import type { Clock } from '../clock';

/**
 * The registry as the hot path sees it: the active members and the agreements held
 * in memory, loaded at start and reloaded on every registry change (registry/live.ts).
 */
export class Directory {
  private members = new Map<string, Member>();
  readonly agreements: AgreementTable;

  constructor(
    private readonly db: Db,
    clock?: Clock,
  ) {
    this.agreements = new AgreementTable(db, clock);
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
