import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { HostRefresh } from '../../api/hosts';
import { refreshSummary, type Host } from '../../api/hosts';
import type { Vm } from '../../api/vms';
import { renderAs } from '../../test/withRole';
import { HostRow, VmRow } from './VmsPage';

const refreshed: HostRefresh = {
  hostId: 'h1', hostName: 'hv01', refreshedAt: '2026-11-26T11:00:00Z',
  added: [{ vmId: 'v2', ref: 'r2', name: 'web 02', previousName: null }],
  vanished: [{ vmId: 'v1', ref: 'r1', name: 'web 01', previousName: null }], returned: [], renamed: [], error: null,
};

vi.mock('../../api/hosts', async (original) => ({
  ...(await original<typeof import('../../api/hosts')>()),
  refreshHost: () => Promise.resolve(refreshed),
}));

const now = Date.parse('2026-11-26T11:00:00Z');
const vm: Vm = {
  id: 'v1', name: 'web 01', hostId: 'h1', ref: 'r1', state: 'UNKNOWN', stateError: 'no longer on its host',
  canQuiesce: false, memoryBytes: 1, guestOs: 'unknown', directory: null, disks: [],
  lastRestorePointAt: '2026-11-20T10:00:00Z', present: false, vanishedAt: '2026-11-26T10:00:00Z',
  backupBlockedReason: null, quiesceNote: null, maxPointAge: null, unprotected: false, stateObservedAt: null, stateStale: false,
};
const host: Host = {
  id: 'h1', name: 'hv01', type: 'hyperv', settings: {}, createdAt: '2026-11-01T10:00:00Z', lastRefreshAt: '2026-11-26T10:00:00Z',
  lastRefreshError: null,
};

const rowOf = (role: 'viewer' | 'operator', ui: ReactElement) => renderAs(role, <table><tbody>{ui}</tbody></table>);

describe('VMs gone from their host', () => {
  it('shows a vanished VM as such, not as stale, and offers no backup of it', () => {
    rowOf('operator', <VmRow vm={vm} now={now} onStarted={() => {}} />);
    const row = screen.getByRole('row', { name: /web 01/ });
    expect(row.className).toBe('vanished');
    expect(screen.getByText(/vanished from its host 1 h 0 min ago/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Back up/ })).toBeNull();
  });
});

describe('VMs Stillpoint cannot snapshot', () => {
  it('says why instead of offering a backup', () => {
    rowOf('operator', <VmRow vm={{ ...vm, state: 'RUNNING', stateError: null, present: true, vanishedAt: null,
      backupBlockedReason: "disk 'vdb' is a network disk (type='network', protocol 'nbd')" }} now={now}
      onStarted={() => {}} />);
    expect(screen.getByText(/Cannot be backed up: disk 'vdb' is a network disk/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Back up/ })).toBeNull();
  });

  it('offers a backup of one it can snapshot', () => {
    rowOf('operator', <VmRow vm={{ ...vm, state: 'RUNNING', stateError: null, present: true, vanishedAt: null,
      backupBlockedReason: null }} now={now} onStarted={() => {}} />);
    expect(screen.getByRole('button', { name: 'Back up web 01 now' })).toBeTruthy();
  });
});

describe('quiescing', () => {
  it('says what a guest that cannot quiesce now lacks', () => {
    rowOf('operator', <VmRow vm={{ ...vm, state: 'RUNNING', stateError: null, present: true, vanishedAt: null,
      quiesceNote: 'a guest agent channel is configured, but no agent is connected to it' }} now={now}
      onStarted={() => {}} />);
    expect(screen.getByText('no').getAttribute('title')).toBe('a guest agent channel is configured, but no agent is connected to it');
  });
});

describe('hosts', () => {
  it('lets operators list a host again and says what changed', async () => {
    const onRefreshed = vi.fn();
    rowOf('operator', <HostRow host={host} now={now} onRefreshed={onRefreshed} />);
    fireEvent.click(screen.getByRole('button', { name: 'Refresh hv01' }));
    await waitFor(() => expect(screen.getByText(/hv01: 1 new, 1 vanished/)).toBeTruthy());
    expect(onRefreshed).toHaveBeenCalled();
  });

  it('gives viewers the last listing without the button', () => {
    rowOf('viewer', <HostRow host={{ ...host, lastRefreshError: 'WinRM cannot complete the operation' }} now={now}
      onRefreshed={() => {}} />);
    expect(screen.queryByRole('button', { name: /Refresh/ })).toBeNull();
    expect(screen.getByText(/did not answer: WinRM/)).toBeTruthy();
  });

  it('says a host that did not answer changed nothing', () => {
    expect(refreshSummary({ ...refreshed, added: [], vanished: [], error: 'timeout' }))
      .toBe('hv01 did not answer; nothing changed: timeout');
    expect(refreshSummary({ ...refreshed, added: [], vanished: [] })).toBe('hv01: no changes');
  });
});
