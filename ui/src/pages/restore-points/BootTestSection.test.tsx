import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { BootTest, RestorePoint } from '../../api/restorePoints';
import { renderAs } from '../../test/withRole';
import { BootTestSection, bootTime } from './BootTestSection';

const started = vi.fn((_id: string, _options: unknown) => Promise.resolve({}));
const cancelled = vi.fn((_id: string) => Promise.resolve());
vi.mock('../../api/restorePoints', async (original) => ({
  ...(await original<typeof import('../../api/restorePoints')>()),
  startBootTest: (id: string, options: unknown) => started(id, options),
  cancelBootTest: (id: string) => cancelled(id),
}));

const point: RestorePoint = {
  id: 'p1', vmId: 'v1', vmName: 'db01', runId: 'r1', createdAt: '2026-12-04T10:00:00Z', mode: 'pause',
  consistency: 'crash', writer: 'qemu', repositoryId: 'repo', relativePath: 'v1/p1', sizeBytes: 1, fileCount: 1,
  manifestSha256: 'abc', isProtected: false, verifiedAt: null, verifyStatus: null, verifyProblems: null,
  changeTracking: null, bytesWritten: null, bytesShared: null, bootTest: null,
};
const passed: BootTest = {
  id: 't1', restorePointId: 'p1', status: 'PASSED', kind: 'qemu', startedAt: '2026-12-04T11:00:00Z',
  at: '2026-12-04T11:00:07Z', bootMillis: 6420, evidence: 'the guest agent answered guest-ping',
  screenshotUrl: '/api/boot-tests/t1/screenshot.png', serialLogUrl: '/api/boot-tests/t1/serial.log',
  checkCommand: null, serialPattern: null, timeoutSeconds: 300, requestedBy: 'admin',
};

describe('BootTestSection', () => {
  it('shows a passed test with its boot time, evidence, screenshot and serial log', () => {
    renderAs('viewer', <BootTestSection point={{ ...point, bootTest: passed }} onChanged={() => {}} />);
    expect(screen.getByTestId('boot-test-status').textContent).toBe('PASSED');
    expect(screen.getByText('6.4 s')).toBeTruthy();
    expect(screen.getByText('the guest agent answered guest-ping')).toBeTruthy();
    expect(screen.getByRole('img').getAttribute('src')).toBe('/api/boot-tests/t1/screenshot.png');
    expect(screen.getByRole('link', { name: 'Open the serial log' }).getAttribute('href')).toBe('/api/boot-tests/t1/serial.log');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('lets an operator start a test with a check command split into words', async () => {
    const changed = vi.fn();
    renderAs('operator', <BootTestSection point={point} onChanged={changed} />);
    expect(screen.getByText(/has not been boot-tested/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Check command (optional)'), { target: { value: ' /bin/systemctl  is-active db ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start a boot test' }));
    await waitFor(() => expect(changed).toHaveBeenCalled());
    expect(started).toHaveBeenCalledWith('p1', { checkCommand: ['/bin/systemctl', 'is-active', 'db'] });
  });

  it('offers to cancel a running test instead of starting another', async () => {
    const running: BootTest = { ...passed, status: 'RUNNING', bootMillis: null, evidence: null, screenshotUrl: null, serialLogUrl: null };
    renderAs('operator', <BootTestSection point={{ ...point, bootTest: running }} onChanged={() => {}} />);
    expect(screen.getByText('the guest is booting…')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Start a boot test' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the boot test' }));
    await waitFor(() => expect(cancelled).toHaveBeenCalledWith('p1'));
  });

  it('writes boot times in seconds', () => {
    expect(bootTime(null)).toBe('—');
    expect(bootTime(25185)).toBe('25.2 s');
  });
});
