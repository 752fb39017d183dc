import type { Command } from 'commander';
import { WorkingCalendar } from '../cases/calendar';
import { CaseProjector } from '../cases/projector';
import { archiveOf } from '../retention/job';
import { withStore, print } from './context';

/** `xgw cases rebuild`: empties the case tables and folds the whole signed log again (the same fold the gateway runs live). */
export function registerCases(program: Command): void {
  const cases = program.command('cases').description('办件 supervision: case timelines built from the signed log');
  cases
    .command('rebuild')
    .description('rebuild every case, branch and timeline event from the log alone (one transaction)')
    .action(() =>
      withStore(async (store, config) => {
        const n = await new CaseProjector(store, new WorkingCalendar(config.cases.calendar), undefined, archiveOf(config)).rebuild();
        print(`${n} case(s) rebuilt from the log`);
      }),
    );
}
