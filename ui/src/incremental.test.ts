import { blockCloneAnswer, trackingText, writtenText } from './incremental';

const MIB = 1024 * 1024;

describe('incremental words', () => {
  it('names each way a run knew what changed, and nothing for a run that has not said', () => {
    expect(trackingText('bitmap')).toBe('QEMU dirty bitmap: read only what the guest wrote');
    expect(trackingText('compare')).toBe('compare: read everything, wrote only what differs');
    expect(trackingText('none')).toBe('none: a full copy');
    expect(trackingText(null)).toBe('—');
  });

  it('sets what a point wrote beside its logical size, and calls an old point a full copy', () => {
    expect(writtenText(12 * MIB, 1024 * MIB)).toBe('12.0 MiB written of 1.0 GiB');
    expect(writtenText(0, 1024 * MIB)).toBe('0 B written of 1.0 GiB');
    expect(writtenText(null, 1024 * MIB)).toBe('1.0 GiB, a full copy');
  });

  it('answers block clone yes, no or unknown with what it means for the points', () => {
    expect(blockCloneAnswer(true)).toEqual({ answer: 'yes', hint: 'reflink: points share unchanged blocks' });
    expect(blockCloneAnswer(false)).toEqual({ answer: 'no', hint: 'hard links: changed files written whole' });
    expect(blockCloneAnswer(null).answer).toBe('unknown');
  });
});
