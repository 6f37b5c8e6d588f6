import { useState } from 'react';
import { listRestores } from '../../api/restores';
import { listVms } from '../../api/vms';
import { LoadOlder } from '../../components/LoadOlder';
import { RestoreProgress } from '../../components/RunProgress';
import { ErrorNote, Status } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { usePaged } from '../../components/usePaged';
import { bytes, dateTime } from '../../format';
import { Link } from '../../router';

/** Every restore, newest first, page by page; those still copying follow their progress. */
export function RestoresPage() {
  const [vmId, setVmId] = useState('');
  const vms = useLoad(listVms);
  const restores = usePaged(() => listRestores(vmId || undefined), [vmId], 5000);
  const vmName = (id: string) => vms.data?.find((vm) => vm.id === id)?.name ?? id;
  const shown = restores.items ?? [];
  return (
    <>
      <h1>Restores</h1>
      <ErrorNote error={restores.error} />
      <div className="inline-form">
        <label htmlFor="restore-vm">VM</label>
        <select id="restore-vm" value={vmId} onChange={(e) => setVmId(e.target.value)}>
          <option value="">all</option>
          {(vms.data ?? []).map((vm) => <option key={vm.id} value={vm.id}>{vm.name}</option>)}
        </select>
      </div>
      <table>
        <caption>{shown.length} restores, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Asked for</th>
            <th scope="col">VM</th>
            <th scope="col">Restore point</th>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">Copied</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((restore) => (
            <tr key={restore.id}>
              <td>{dateTime(restore.createdAt)}</td>
              <td>{vmName(restore.vmId)}</td>
              <td>
                {restore.restorePointId
                  ? <Link to={`/restore-points?vm=${restore.vmId}&point=${restore.restorePointId}`}>Open the point</Link>
                  : 'deleted'}
              </td>
              <td>{restore.newVmName ? `new VM ${restore.newVmName}` : restore.targetPath ?? restore.target}</td>
              <td>
                {restore.finishedAt
                  ? <Status value={restore.status} />
                  : <RestoreProgress restore={restore} label={`Restore of ${vmName(restore.vmId)}`} />}
              </td>
              <td>{bytes(restore.bytesCopied)}</td>
              <td className="error-cell">{restore.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadOlder list={restores} what="restores" />
    </>
  );
}
