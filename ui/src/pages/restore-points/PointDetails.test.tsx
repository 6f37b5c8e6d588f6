import { screen } from '@testing-library/react';
import type { RestorePoint } from '../../api/restorePoints';
import { renderAs } from '../../test/withRole';
import { PointTimeline } from './PointTimeline';
import { PointDetails } from './RestorePointsPage';

const MIB = 1024 * 1024;
const point: RestorePoint = {
  id: 'p2', vmId: 'v1', vmName: 'db01', runId: 'r2', createdAt: '2026-12-04T10:00:00Z', mode: 'pause',
  consistency: 'crash', writer: 'qemu', repositoryId: 'repo', relativePath: 'v1/p2', sizeBytes: 1024 * MIB,
  fileCount: 4, manifestSha256: 'abc', isProtected: false, verifiedAt: null, verifyStatus: null, verifyProblems: null,
  changeTracking: 'bitmap', bytesWritten: 12 * MIB, bytesShared: 1012 * MIB, bootTest: null,
};
const fullCopy: RestorePoint = {
  ...point, id: 'p1', createdAt: '2026-11-01T10:00:00Z', changeTracking: null, bytesWritten: null, bytesShared: null,
};

const factOf = (term: string) => screen.getByText(term).nextElementSibling?.textContent;

describe('restore points of incremental backups', () => {
  it('show what a point wrote against its logical size and what it shares with other points', () => {
    renderAs('viewer', <PointDetails point={point} onChanged={() => {}} />);
    expect(factOf('Size')).toBe('1.0 GiB in 4 files');
    expect(factOf('Written')).toBe('12.0 MiB written of 1.0 GiB; 1012.0 MiB shared with other points');
    expect(factOf('Change tracking')).toBe('QEMU dirty bitmap: read only what the guest wrote');
  });

  it('call a point made before incremental copies a full copy', () => {
    renderAs('viewer', <PointDetails point={fullCopy} onChanged={() => {}} />);
    expect(factOf('Written')).toBe('1.0 GiB, a full copy');
    expect(factOf('Change tracking')).toBe('—');
  });

  it('give each point on the timeline its written and logical size', () => {
    renderAs('viewer', <PointTimeline points={[fullCopy, point].map((p) => ({ ...p, bootTestStatus: null }))} selected="p2" onSelect={() => {}} />);
    const pins = screen.getAllByRole('button');
    expect(pins.map((p) => p.getAttribute('title')?.split(': ').slice(1).join(': ')))
      .toEqual(['1.0 GiB, a full copy', '12.0 MiB written of 1.0 GiB']);
  });
});
