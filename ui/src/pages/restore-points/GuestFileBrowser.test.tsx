import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { GuestFileSystem, GuestListing, GuestRestore, Starting } from '../../api/guestFiles';
import { renderAs } from '../../test/withRole';
import { GuestFileBrowser } from './GuestFileBrowser';

const root: GuestFileSystem = {
  device: '/dev/sda1', type: 'ext4', label: 'root', sizeBytes: 1 << 30, mountPoint: '/', operatingSystem: 'Debian 12',
  problem: null,
};
const swap: GuestFileSystem = { ...root, device: '/dev/sda2', type: 'swap', label: null, mountPoint: null, problem: 'swap space holds no files' };
const starting: Starting = { status: 'starting', detail: 'starting', retryAfterSeconds: 1 };
const listings: Record<string, GuestListing> = {
  '/': { path: '/', total: 2, entries: [
    { name: 'home', type: 'directory', size: 4096, mode: '0755', uid: 0, gid: 0, modified: '2024-03-01T10:15:30Z', linkTarget: null },
    { name: 'vmlinuz', type: 'symlink', size: 20, mode: '0777', uid: 0, gid: 0, modified: '2024-03-01T10:15:30Z', linkTarget: 'boot/vmlinuz-6.1' },
  ] },
  '/home': { path: '/home', total: 2, entries: [
    { name: 'ana', type: 'directory', size: 4096, mode: '0700', uid: 1000, gid: 1000, modified: '2024-03-01T10:15:30Z', linkTarget: null },
    { name: 'notes & plans.txt', type: 'file', size: 2048, mode: '0644', uid: 1000, gid: 1000, modified: '2024-03-01T10:15:30Z', linkTarget: null },
  ] },
};

const calls = vi.hoisted(() => ({ fileSystems: 0, restores: [] as unknown[] }));
vi.mock('../../api/guestFiles', async (original) => ({
  ...(await original<typeof import('../../api/guestFiles')>()),
  listGuestFileSystems: () => {
    calls.fileSystems++;
    return Promise.resolve(calls.fileSystems === 1 ? starting : [root, swap]);
  },
  listGuestFiles: (_point: string, _fs: string, path: string) => Promise.resolve(listings[path]),
  startGuestRestore: (...args: unknown[]) => {
    calls.restores.push(args);
    return Promise.resolve({
      id: 'r1', restorePointId: 'p1', fs: '/dev/sda1', paths: ['/home/ana', '/home/notes & plans.txt'],
      targetPath: '/srv/restores/t1', status: 'SUCCEEDED', bytesCopied: 4096, bytesTotal: 8192, itemsDone: 2, error: null,
      requestedBy: 'ana', requestedAt: '2026-11-26T10:00:00Z', finishedAt: '2026-11-26T10:00:05Z',
    } satisfies GuestRestore);
  },
}));

beforeEach(() => {
  calls.fileSystems = 0;
  calls.restores = [];
});

describe('GuestFileBrowser', () => {
  it('says the appliance is starting, then lists the file systems with why the others cannot be opened', async () => {
    renderAs('viewer', <GuestFileBrowser pointId="p1" verifyFailed={false} />);
    fireEvent.click(screen.getByRole('button', { name: 'Browse guest files' }));

    expect(await screen.findByText(/Starting the appliance/)).toBeTruthy();
    expect(await screen.findByText('/dev/sda2: swap space holds no files', {}, { timeout: 3000 })).toBeTruthy();
    const select = screen.getByLabelText('File system') as HTMLSelectElement;
    expect(select.value).toBe('/dev/sda1');
    expect(screen.queryByText(/Starting the appliance/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Restore selection' })).toBeNull();
  });

  it('walks folders with breadcrumbs and links files and folders for download', async () => {
    renderAs('viewer', <GuestFileBrowser pointId="p1" verifyFailed={false} />);
    fireEvent.click(screen.getByRole('button', { name: 'Browse guest files' }));
    fireEvent.click(await screen.findByRole('button', { name: 'home/' }, { timeout: 3000 }));

    const file = await screen.findByRole('link', { name: 'Download notes & plans.txt' });
    expect(file.getAttribute('href')).toBe('/api/restore-points/p1/guest/file?fs=%2Fdev%2Fsda1&path=%2Fhome%2Fnotes+%26+plans.txt');
    expect(screen.getByRole('link', { name: 'Download ana as tar' }).getAttribute('href'))
      .toBe('/api/restore-points/p1/guest/archive?fs=%2Fdev%2Fsda1&path=%2Fhome%2Fana');
    const crumbs = screen.getByRole('navigation', { name: 'Guest path' });
    expect(crumbs.textContent).toBe('/dev/sda1 / home');
    fireEvent.click(screen.getByRole('button', { name: '/dev/sda1' }));
    expect(await screen.findByText('vmlinuz → boot/vmlinuz-6.1')).toBeTruthy();
  });

  it('restores the chosen files and folders to a new folder', async () => {
    renderAs('operator', <GuestFileBrowser pointId="p1" verifyFailed />);
    fireEvent.click(screen.getByRole('button', { name: 'Browse guest files' }));
    fireEvent.click(await screen.findByRole('button', { name: 'home/' }, { timeout: 3000 }));
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Choose ana' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Choose notes & plans.txt' }));
    fireEvent.change(screen.getByLabelText('Restore to a new folder'), { target: { value: '/srv/restores/t1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Restore selection' }));

    await waitFor(() => expect(calls.restores).toEqual([
      ['p1', '/dev/sda1', ['/home/ana', '/home/notes & plans.txt'], '/srv/restores/t1', true],
    ]));
    expect(await screen.findByText(/Restore succeeded/)).toBeTruthy();
    expect(screen.getByText(/failed its last verify/)).toBeTruthy();
  });
});
