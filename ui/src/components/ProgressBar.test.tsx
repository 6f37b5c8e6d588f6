import { render, screen } from '@testing-library/react';
import { ProgressBar, percentOf } from './ProgressBar';

const progress = { bytesDone: 512 * 1024 * 1024, bytesTotal: 2048 * 1024 * 1024, filesDone: 1, filesTotal: 4,
  currentFile: 'disk.vhdx', bytesPerSecond: 100 * 1024 * 1024, etaSeconds: 15 };

describe('ProgressBar', () => {
  it('shows the share copied, the rate and the time left', () => {
    render(<ProgressBar label="Backup of db01" progress={progress} />);
    const bar = screen.getByRole('progressbar', { name: 'Backup of db01' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(screen.getByText(/512\.0 MiB of 2\.0 GiB · 100\.0 MiB\/s · ETA 15 s/)).toBeTruthy();
  });

  it('reaches the end when the copy is done, whatever the last sample said', () => {
    render(<ProgressBar label="Backup" progress={progress} done />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(screen.queryByText(/ETA/)).toBeNull();
  });

  it('shows nothing copied before the first sample and never more than everything', () => {
    expect(percentOf(null)).toBe(0);
    expect(percentOf({ ...progress, bytesTotal: 0 })).toBe(0);
    expect(percentOf({ ...progress, bytesDone: progress.bytesTotal * 2 })).toBe(100);
  });
});
