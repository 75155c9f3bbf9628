import { readFileSync } from 'node:fs';

/** Resident memory of a process (`VmRSS` of `/proc/<pid>/status`) in bytes; 0 when unknown. */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process over a run: sampled on an interval until stopped. */
export interface ResidentSampler {
  /** Stops sampling; the samples in bytes, in order. */
  stop(): number[];
}

/** Samples {@link residentBytes} of `pid` every `intervalMs` (and once at once). */
export function sampleResident(pid: number, intervalMs = 1_000): ResidentSampler {
  const samples = [residentBytes(pid)];
  const timer = setInterval(() => samples.push(residentBytes(pid)), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(residentBytes(pid));
      return samples;
    },
  };
}

/** Mebibytes, one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
