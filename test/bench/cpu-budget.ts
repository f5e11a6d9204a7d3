import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PERIOD_US = 100_000;

/** The machine refused a CPU limit (a cgroup it would not make, or a process it would not move). */
export class CpuBudgetError extends Error {}

/** Holds processes to a share of the machine's CPU, as a container's CPU limit does. */
export interface CpuBudgets {
  /** Puts the process (all its threads) in a group of its own, allowed `cores` of CPU time. */
  hold(pid: number, cores: number): void;
  /** Removes the groups, once their processes have ended. */
  release(): Promise<void>;
}

/** The cgroup CPU controller when this process may make groups under it (cgroup v1 or v2); undefined otherwise. */
export function cpuBudgets(): CpuBudgets | undefined {
  const v2 = '/sys/fs/cgroup';
  const v1 = '/sys/fs/cgroup/cpu';
  try {
    if (existsSync(join(v2, 'cgroup.controllers'))) {
      if (!readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8').includes('cpu')) writeFileSync(join(v2, 'cgroup.subtree_control'), '+cpu');
      return groupsUnder(v2, (group, cores) => writeFileSync(join(group, 'cpu.max'), `${Math.round(cores * PERIOD_US)} ${PERIOD_US}`));
    }
    if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
      return groupsUnder(v1, (group, cores) => {
        writeFileSync(join(group, 'cpu.cfs_period_us'), String(PERIOD_US));
        writeFileSync(join(group, 'cpu.cfs_quota_us'), String(Math.round(cores * PERIOD_US)));
      });
    }
  } catch {
    // Not allowed here (no root, or a read-only cgroup mount).
  }
  return undefined;
}

/** Groups made by this process so far: each gets a name of its own. */
let groupsMade = 0;

function groupsUnder(root: string, limit: (group: string, cores: number) => void): CpuBudgets | undefined {
  const groups: string[] = [];
  const budgets: CpuBudgets = {
    hold(pid, cores) {
      const group = join(root, `sfbackup-bench-${process.pid}-${groupsMade++}`);
      try {
        mkdirSync(group);
        groups.push(group);
        limit(group, cores);
        writeFileSync(join(group, 'cgroup.procs'), String(pid));
      } catch (error) {
        throw new CpuBudgetError(`could not hold process ${pid} to ${cores} cores in ${group}: ${(error as Error).message}`);
      }
    },
    async release() {
      for (const group of groups.splice(0)) {
        // A process just ended may take a moment to leave its group.
        for (let attempt = 0; ; attempt++) {
          try {
            rmdirSync(group);
            break;
          } catch (error) {
            if (attempt === 20) throw error;
            await sleep(50);
          }
        }
      }
    },
  };
  // A group that can be made and removed is the proof that this process may use them.
  const probe = join(root, `sfbackup-bench-${process.pid}-probe`);
  mkdirSync(probe);
  rmdirSync(probe);
  return budgets;
}
