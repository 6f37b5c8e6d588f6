import { render, screen } from '@testing-library/react';
import type { RestoreFile } from '../../api/restorePoints';
import { FileBrowser } from './FileBrowser';

const disk: RestoreFile = {
  path: 'Virtual Hard Disks/db01.vhdx', type: 'FILE', size: 4096, digest: 'ab'.repeat(32),
  digestAlgorithm: 'sha256-chunked-1MiB', mode: '0640', owner: 'root', group: 'root', modified: null, linkTarget: null,
};
vi.mock('../../api/restorePoints', async (original) => ({
  ...(await original<typeof import('../../api/restorePoints')>()),
  listFiles: () => Promise.resolve([disk]),
}));

describe('FileBrowser', () => {
  it('links files for download as they are', async () => {
    render(<FileBrowser pointId="p1" verifyFailed={false} />);
    const link = await screen.findByRole('link', { name: 'Download Virtual Hard Disks/db01.vhdx' });
    expect(link.getAttribute('href')).toBe('/api/restore-points/p1/files/Virtual%20Hard%20Disks/db01.vhdx');
    expect(screen.queryByText(/failed its last verify/)).toBeNull();
  });

  it('says so and asks for them anyway when the restore point failed its verify', async () => {
    render(<FileBrowser pointId="p1" verifyFailed />);
    const link = await screen.findByRole('link', { name: 'Download Virtual Hard Disks/db01.vhdx' });
    expect(link.getAttribute('href')).toMatch(/\?force=true$/);
    expect(screen.getByText(/failed its last verify/)).toBeTruthy();
  });
});
