// Words for what incremental runs report, shared by the runs, restore points and repositories pages so that
// each says the same thing the same way.
import { bytes } from './format';

const TRACKING: Record<string, string> = {
  bitmap: 'QEMU dirty bitmap: read only what the guest wrote',
  differencing: 'differencing disks: read only what the guest wrote',
  compare: 'compare: read everything, wrote only what differs',
  none: 'none: a full copy',
};

/** How a run knew what changed, in words; null for runs still starting or made before incremental copies. */
export function trackingText(tracking: string | null | undefined): string {
  return tracking ? TRACKING[tracking] ?? tracking : '—';
}

/**
 * What a point cost beside what it holds. `written` is null for points made before incremental copies:
 * those were full copies that share nothing.
 */
export function writtenText(written: number | null | undefined, logical: number): string {
  if (written == null) {
    return `${bytes(logical)}, a full copy`;
  }
  return `${bytes(written)} written of ${bytes(logical)}`;
}

export interface BlockCloneAnswer {
  answer: 'yes' | 'no' | 'unknown';
  hint: string;
}

export function blockCloneAnswer(blockClone: boolean | null | undefined): BlockCloneAnswer {
  if (blockClone == null) {
    return { answer: 'unknown', hint: 'not probed yet' };
  }
  return blockClone
    ? { answer: 'yes', hint: 'reflink: points share unchanged blocks' }
    : { answer: 'no', hint: 'hard links: changed files written whole' };
}
