// CPU pinning for the HTTP benchmarks: the load generator on one CPU, the server under test on the other (`taskset`),
// so that they do not trade cores with each other. BENCH_PIN=0 turns it off; BENCH_CPUS=<client>,<server> (0,1).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Pins every thread of `pid` to `cpu`; false when taskset is missing or refuses. */
export function pin(pid, cpu) {
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process to the client CPU when pinning is on and possible; returns what the servers should use. */
export function pinClient() {
  const [clientCpu, serverCpu] = (process.env.BENCH_CPUS ?? '0,1').split(',').map(Number);
  const pinned = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2 && pin(process.pid, clientCpu);
  return { pinned, clientCpu, serverCpu };
}
